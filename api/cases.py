"""Service cases: the shopper's own (open one, list, read) and the staff queue (create for a
customer, update status/priority/assignee, add notes). Writes via service_console.services.cases."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from api.base import QuerySerializer, ShopperView, StaffView, validated
from api.fields import StrictCharField, StrictChoiceField, StrictEmailField, StrictUUIDField
from api.pagination import ApiPagination
from customers.models import Customer
from service_console.models import Case, CaseMessage, case_pk_from_number
from service_console.services.cases import case_create, case_note_add, case_update

MAX_PK = 2**31 - 1


class CaseMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseMessage
        fields = ["kind", "body", "created_at"]


class CaseSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "subject",
            "description",
            "status",
            "priority",
            "channel",
            "order_numbers",
            "created_at",
            "updated_at",
        ]


class CaseDetailSerializer(CaseSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "messages"]

    @extend_schema_field(CaseMessageSerializer(many=True))
    def get_messages(self, case):
        messages = case.messages.all()
        if not self.context.get("staff"):
            messages = [m for m in messages if m.kind != CaseMessage.Kind.NOTE]  # internal notes stay internal
        return CaseMessageSerializer(messages, many=True).data


class StaffCaseSerializer(CaseDetailSerializer):
    customer_id = serializers.UUIDField(source="customer.public_id")
    customer_email = serializers.EmailField(source="customer.email")
    assignee_email = serializers.EmailField(source="assignee.email", allow_null=True, default=None)

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "customer_id", "customer_email", "assignee_email"]


class CaseOpenSerializer(serializers.Serializer):
    subject = StrictCharField(max_length=200)
    message = StrictCharField(max_length=5000)
    order_number = StrictCharField(max_length=20, required=False, allow_blank=True, default="")


class StaffCaseCreateSerializer(serializers.Serializer):
    customer_id = StrictUUIDField(help_text="The customer's public id.")
    subject = StrictCharField(max_length=200)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")
    priority = StrictChoiceField(choices=Case.Priority.choices, default=Case.Priority.NORMAL)
    order_numbers = serializers.ListField(
        child=StrictCharField(max_length=20), required=False, default=list, max_length=20
    )


class StaffCaseUpdateSerializer(serializers.Serializer):
    status = StrictChoiceField(choices=Case.Status.choices, required=False)
    priority = StrictChoiceField(choices=Case.Priority.choices, required=False)
    subject = StrictCharField(max_length=200, required=False)
    assignee_email = StrictEmailField(required=False, allow_null=True, help_text="null unassigns.")


class NoteSerializer(serializers.Serializer):
    body = StrictCharField(max_length=5000)


def case_by_number(number: str, *, customer: Customer | None = None) -> Case:
    """A case by its number ('CS-000042'); with `customer`, only theirs (others: 404)."""
    pk = case_pk_from_number(number[:20])
    if pk is None or pk > MAX_PK:
        raise Http404
    qs = Case.objects.select_related("customer", "assignee").prefetch_related("messages")
    if customer is not None:
        qs = qs.filter(customer=customer)
    case = qs.filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


class MyCases(ShopperView, generics.ListAPIView):
    """The shopper's own cases, newest first; POST opens a new one."""

    serializer_class = CaseSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        return Case.objects.filter(customer=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseDetailSerializer})
    def post(self, request):
        data = validated(CaseOpenSerializer, request.data)
        order_numbers = []
        if data["order_number"]:
            if not request.user.orders.filter(number=data["order_number"]).exists():
                raise serializers.ValidationError({"order_number": ["You have no order with that number."]})
            order_numbers = [data["order_number"]]
        case = case_create(
            customer=request.user,
            subject=data["subject"],
            description=data["message"],
            channel=Case.Channel.CONTACT_FORM,
            order_numbers=order_numbers,
        )
        return Response(CaseDetailSerializer(case_by_number(case.number)).data, status=status.HTTP_201_CREATED)


class MyCaseDetail(ShopperView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request, number: str):
        """One of the shopper's own cases with the conversation (internal notes excluded)."""
        return Response(CaseDetailSerializer(case_by_number(number, customer=request.user)).data)


class StaffCasesQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    customer_id = serializers.UUIDField(required=False, help_text="A customer's public id.")


@extend_schema(parameters=[StaffCasesQuerySerializer])
class StaffCases(StaffView, generics.ListAPIView):
    """The case queue (filter by status or customer); POST opens a case for a customer."""

    serializer_class = StaffCaseSerializer
    pagination_class = ApiPagination

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff": True}

    def get_queryset(self):
        qs = (
            Case.objects.select_related("customer", "assignee")
            .prefetch_related("messages")
            .order_by("-created_at", "-id")
        )
        params = validated(StaffCasesQuerySerializer, self.request.query_params)
        if "status" in params:
            qs = qs.filter(status=params["status"])
        if "customer_id" in params:
            qs = qs.filter(customer__public_id=params["customer_id"])
        return qs

    @extend_schema(request=StaffCaseCreateSerializer, responses={201: StaffCaseSerializer})
    def post(self, request):
        data = validated(StaffCaseCreateSerializer, request.data)
        customer = Customer.objects.filter(public_id=data["customer_id"]).first()
        if customer is None:
            raise serializers.ValidationError({"customer_id": ["No customer with this id."]})
        case = case_create(
            customer=customer,
            subject=data["subject"],
            description=data["description"],
            priority=data["priority"],
            actor=request.user,
            order_numbers=data["order_numbers"],
        )
        return Response(
            StaffCaseSerializer(case_by_number(case.number), context={"staff": True}).data,
            status=status.HTTP_201_CREATED,
        )


class StaffCaseDetail(StaffView):
    extra_errors = {"patch": {"409": "case_transition_invalid"}}

    @extend_schema(responses=StaffCaseSerializer)
    def get(self, request, number: str):
        return Response(StaffCaseSerializer(case_by_number(number), context={"staff": True}).data)

    @extend_schema(request=StaffCaseUpdateSerializer, responses=StaffCaseSerializer)
    def patch(self, request, number: str):
        """Change status (checked transitions), priority, subject or assignee (an agent's email)."""
        case = case_by_number(number)
        data = validated(StaffCaseUpdateSerializer, request.data)
        assignee = False
        if "assignee_email" in data:
            assignee = None
            if data["assignee_email"]:
                assignee = Customer.objects.filter(email__iexact=data["assignee_email"], is_staff=True).first()
                if assignee is None:
                    raise serializers.ValidationError({"assignee_email": ["No staff member with this email."]})
        case_update(
            case=case,
            actor=request.user,
            status=data.get("status"),
            priority=data.get("priority"),
            subject=data.get("subject"),
            assignee=assignee,
        )
        return Response(StaffCaseSerializer(case_by_number(number), context={"staff": True}).data)


class StaffCaseNotes(StaffView):
    @extend_schema(request=NoteSerializer, responses={201: StaffCaseSerializer})
    def post(self, request, number: str):
        """Add an internal note (never shown to the customer)."""
        case = case_by_number(number)
        data = validated(NoteSerializer, request.data)
        case_note_add(case=case, actor=request.user, body=data["body"])
        return Response(
            StaffCaseSerializer(case_by_number(number), context={"staff": True}).data, status=status.HTTP_201_CREATED
        )
