"""Demo social posts for `manage.py seed_demo` (idempotent): four weeks of posts in English and
Japanese, classified the way the worker does it, so the console's social queue and the
marketers' insight page show something on first start. The demo shopper has an Instagram
handle on their profile, and one of their posts is a complaint that opened a case."""

from datetime import timedelta

from django.utils import timezone

from customers.models import Customer, SocialNetwork

# (days ago, network, handle, text) — the shopper's handle is added to their profile.
SHOPPER_HANDLE = "sam.shops"
POSTS = [
    (26, "instagram", "trailmia", "Just got my Trail Runners and they're SO comfy. Already did 10k in them"),
    (25, "x", "coffee_and_code", "Rainy Monday, new mug, good coffee. That's the post."),
    (24, "x", "ben_waits", "Where is my order?? Placed 10 days ago, status still 'placed'"),
    (22, "instagram", "yuki_style", "秋の新作かわいすぎる"),
    (21, "facebook", "martha.k", "The stitching on my new hoodie came apart after one wash. Not impressed."),
    (20, "x", "runnerdan", "Fast shipping and the packaging was actually recyclable. Love that."),
    (19, "instagram", "hana_0312", "注文してから2週間経つのにまだ届きません。"),
    (18, "x", "gift_guru", "Do you ship to Canada?"),
    (16, "tiktok", "unboxwithjo", "Unboxing my order live at 7pm!"),
    (15, "x", "leo.p", "been charged twice for the same order?? please sort this out"),
    (14, "instagram", "kenta.run", "雨の中で履いても足が濡れなかった。買ってよかった。"),
    (13, "facebook", "pat.reviews", "Returned the jacket a month ago and still no refund. What is going on?"),
    (11, "x", "nina_b", "Shout out to the support team, sorted my exchange in 5 minutes. Legends."),
    (10, "instagram", "aoi_daily", "サポートの方の対応がとても丁寧で感動しました。ありがとうございます。"),
    (9, "x", "dev_on_hold", "I've been on hold for 45 minutes."),
    (8, "instagram", "trailmia", "Wore the Trail Runners in the rain, feet stayed dry, no blisters. Sold."),
    (6, "x", "frank.t", "Package marked as delivered but it's not here. Neighbours don't have it either."),
    (5, "instagram", "saki_m", "一回洗っただけで2サイズくらい縮んだ。洗濯表示どおりに洗ったのに。"),
    (4, "x", "olivia.r", "When is the navy hoodie back in stock? Been checking every day"),
    (3, "facebook", "greg_h", "Oxford shirt shrank two sizes after the first wash, followed the care label exactly"),
    (2, "instagram", SHOPPER_HANDLE, "My parcel arrived damaged :( box crushed and the mug inside is in pieces"),
    (1, "x", "maya.k", "Not bad at all for the price"),
    (1, "instagram", "riku_s", "返品したら2日で返金されました。スムーズ！"),
    (0, "x", "hungry_hippo", "Fantastic, another 'we're experiencing high volumes' email. Still waiting for a reply."),
]


def seed(stdout=None, disable_progress: bool = False) -> None:
    from customers.services import social_handle_add
    from service_console.demo import case_backdate
    from social.models import SocialPost
    from social.services import social_post_classify, social_post_receive

    shopper = Customer.objects.filter(email__iexact="shopper@example.com").first()
    if shopper is not None:
        social_handle_add(customer=shopper, network=SocialNetwork.INSTAGRAM, handle=SHOPPER_HANDLE, actor=shopper)
    now = timezone.now()
    created = 0
    for index, (days_ago, network, handle, text) in enumerate(POSTS):
        url = f"https://{network}.example/p/demo-{index + 1}"
        if SocialPost.objects.filter(platform=network, url=url).exists():
            continue
        at = now - timedelta(days=days_ago, hours=index % 7)
        received = social_post_receive(
            platform=network, handle=handle, text=text, url=url, posted_at=at, source="Demo: social listener"
        )
        SocialPost.objects.filter(pk=received.post.pk).update(received_at=at)
        social_post_classify(post_id=received.post.pk)
        post = SocialPost.objects.select_related("case").get(pk=received.post.pk)
        if post.case is not None and not SocialPost.objects.filter(case=post.case).exclude(pk=post.pk).exists():
            case_backdate(post.case, at)  # the case this post opened, opened when it was posted
        created += 1
    if stdout and created:
        stdout.write(f"  {created} demo social posts classified (console: Social; admin: Social posts → Insight)")
