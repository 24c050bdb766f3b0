"""What each staff role may do in `marketing` (customers.roles collects every app's share)."""

from customers.roles import MARKETERS, role_permissions_register


def register() -> None:
    role_permissions_register(
        "marketing",
        {
            MARKETERS: [
                "marketing.view_campaign",
                "marketing.add_campaign",
                "marketing.change_campaign",
                "marketing.view_segment",
                "marketing.add_segment",
                "marketing.change_segment",
                "marketing.view_abandonmentsettings",
                "marketing.change_abandonmentsettings",
                "marketing.view_segmentrule",
                "marketing.add_segmentrule",
                "marketing.change_segmentrule",
                "marketing.delete_segmentrule",
                "marketing.view_campaignblock",
                "marketing.add_campaignblock",
                "marketing.change_campaignblock",
                "marketing.delete_campaignblock",
                "marketing.view_journeystep",
                "marketing.add_journeystep",
                "marketing.change_journeystep",
                "marketing.view_journeyenrollment",
                "marketing.view_cartabandonment",
                "marketing.view_marketingmessage",
                "marketing.view_attribution",
                "marketing.view_behaviourtrigger",
            ],
        },
    )
