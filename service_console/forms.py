from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from carts.models import CartOverride
from common.forms import IdField, QueryForm
from customers.forms import PersonNameFormMixin
from customers.models import Consent, Customer
from customers.phones import phone_form_field
from customers.selectors import customer_by_email
from helpdesk.models import SavedReply
from orders.models import Order
from service_console.models import Case


class CaseCreateForm(forms.Form):
    subject = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    channel = forms.ChoiceField(choices=Case.Channel.choices, initial=Case.Channel.PHONE)
    priority = forms.ChoiceField(choices=Case.Priority.choices, initial=Case.Priority.NORMAL)
    order_number = forms.CharField(max_length=32, required=False, label=_("Linked order number"))
    assign_to_me = forms.BooleanField(required=False, initial=True, label=_("Assign to me"))


class CaseUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=Case.Status.choices)
    priority = forms.ChoiceField(choices=Case.Priority.choices)
    assignee = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("Assignee"))

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Unassigned")] + [(a.pk, a.get_full_name()) for a in agents]


class CaseMessageForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("reply", _("Reply to customer (emailed)")), ("note", _("Internal note"))], initial="reply"
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Message"), max_length=10000)


class LinkOrderForm(forms.Form):
    order_number = forms.CharField(max_length=32, label=_("Order number"))


class ContactForm(forms.Form):
    name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    order_number = forms.CharField(max_length=32, required=False, label=_("Order number"))
    subject = forms.CharField(max_length=200)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    # Honeypot: people leave it empty, bots fill every field.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Leave this field empty."))
        return ""


# --- the agent's cart tools (Customer 360) -----------------------------------------------
# Each keeps what the agent typed when the action is refused: the panel re-renders the bound
# form beside the control that was used.


class CartWriteForm(forms.Form):
    """Every cart write carries the cart version the agent saw (stale → "this cart changed")."""

    expected_version = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


class CartAddForm(CartWriteForm):
    variant_id = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = forms.IntegerField(min_value=1, max_value=99, required=False)
    # Where the add button sits (recommendations or catalog results), so the message shows beside it.
    feedback = forms.RegexField(regex=r"^(reco|cat)-\d{1,10}$", required=False)

    def clean_quantity(self) -> int:
        return self.cleaned_data.get("quantity") or 1


class LineQuantityForm(CartWriteForm):
    quantity = forms.IntegerField(
        min_value=0,
        max_value=99,
        error_messages={"invalid": "Enter a whole number for the quantity.", "required": "Enter a quantity."},
    )


class OverrideForm(CartWriteForm):
    line_id = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    kind = forms.ChoiceField(choices=CartOverride.Kind.choices, initial=CartOverride.Kind.PERCENT)
    value = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        error_messages={
            "invalid": "Enter the discount as a number, e.g. 10 or 4.50.",
            "required": "Enter the discount, e.g. 10 or 4.50.",
        },
    )
    reason_code = forms.ChoiceField(
        choices=CartOverride.ReasonCode.choices, error_messages={"required": "Choose a reason for the discount."}
    )
    reason_text = forms.CharField(
        max_length=500,
        error_messages={"required": "Explain the discount in a few words (the reason is mandatory)."},
    )
    request_approval = forms.BooleanField(required=False)

    @property
    def scope(self) -> str:
        return CartOverride.Scope.LINE if self.cleaned_data.get("line_id") else CartOverride.Scope.CART


class CouponHonourForm(CartWriteForm):
    code = forms.CharField(max_length=40, error_messages={"required": "Enter the expired coupon code."})
    request_approval = forms.BooleanField(required=False)


class PlaceOrderForm(CartWriteForm):
    address_id = forms.IntegerField(
        min_value=1, max_value=2**31 - 1, error_messages={"required": "Choose an address on file to ship to."}
    )
    payment_method = forms.ChoiceField(choices=Order.PaymentMethod.choices)
    card_number = forms.CharField(max_length=40, required=False)


class ConsentDecisionForm(forms.Form):
    """What the customer said on the phone about one purpose: given (1) or withdrawn (0)."""

    purpose = forms.ChoiceField(choices=Consent.Purpose.choices)
    granted = forms.ChoiceField(choices=[("1", _("Given")), ("0", _("Withdrawn"))])


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve and apply")), ("reject", _("Reject"))])
    note = forms.CharField(max_length=500, required=False, label=_("Note to the agent"))


# --- first-time caller -----------------------------------------------------------------


class NewCustomerForm(PersonNameFormMixin, forms.ModelForm):
    """Name (with its furigana, optional), email and phone of a first-time caller. The phone
    is read in the shop's country unless it starts with + (stored in E.164)."""

    class Meta:
        model = Customer
        fields = ["first_name", "last_name", "first_name_reading", "last_name_reading", "email", "phone"]
        labels = {"email": "Email"}
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing: Customer | None = None
        self.fields["phone"] = phone_form_field(region=settings.SHOP_COUNTRY, label=_("Phone"))
        language = (get_language() or "").split("-")[0]
        self._shape_names(japanese=settings.SHOP_COUNTRY == "JP" or language == "ja", with_readings=True)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = False
        self.fields["email"].help_text = "Order confirmations and the complete-your-purchase link go here."

    def clean_email(self) -> str:
        email = Customer.objects.normalize_email(self.cleaned_data["email"]).strip()
        self.existing = customer_by_email(email)
        if self.existing is not None:
            raise forms.ValidationError(_("A customer with this email is already on file."), code="exists")
        return email


class SavedReplyPickForm(forms.Form):
    saved_reply = forms.ModelChoiceField(
        queryset=SavedReply.objects.filter(is_active=True).order_by("title"),
        required=False,
        empty_label=_("Choose a saved reply"),
        label=_("Saved reply"),
    )


class SavedReplyRenderForm(forms.Form):
    """Values for rendering a saved reply outside a case (e.g. a chat): whose name, which order."""

    case = forms.IntegerField(required=False, min_value=1)
    customer = forms.UUIDField(required=False)
    order = forms.CharField(required=False, max_length=32)


# --- other console inputs (typed, so a malformed id or value is a 4xx, never a 500) --------


class CampaignSendForm(forms.Form):
    campaign = IdField()


class ArticleShareForm(forms.Form):
    article = IdField(required=False)
    case = IdField(required=False)
    customer = forms.UUIDField(required=False)


class CaseListForm(QueryForm):
    status = forms.ChoiceField(
        required=False, initial="open", choices=[("open", "Open"), ("all", "All"), *Case.Status.choices]
    )
    mine = forms.BooleanField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000, initial=1)

    def clean_status(self):
        return self.cleaned_data["status"] or "open"


class CaseNewQueryForm(QueryForm):
    order = forms.CharField(required=False, max_length=32, initial="")
