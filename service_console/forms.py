from django import forms

from service_console.models import Case


class CaseCreateForm(forms.Form):
    subject = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    channel = forms.ChoiceField(choices=Case.Channel.choices, initial=Case.Channel.PHONE)
    priority = forms.ChoiceField(choices=Case.Priority.choices, initial=Case.Priority.NORMAL)
    order_number = forms.CharField(max_length=32, required=False, label="Linked order number")
    assign_to_me = forms.BooleanField(required=False, initial=True, label="Assign to me")


class CaseUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=Case.Status.choices)
    priority = forms.ChoiceField(choices=Case.Priority.choices)
    assignee = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Assignee")

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Unassigned")] + [(a.pk, a.get_full_name()) for a in agents]


class CaseMessageForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("reply", "Reply to customer (emailed)"), ("note", "Internal note")], initial="reply"
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Message", max_length=10000)


class LinkOrderForm(forms.Form):
    order_number = forms.CharField(max_length=32, label="Order number")


class ContactForm(forms.Form):
    name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    order_number = forms.CharField(max_length=32, required=False, label="Order number")
    subject = forms.CharField(max_length=200)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    # Honeypot: people leave it empty, bots fill every field.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("Leave this field empty.")
        return ""
