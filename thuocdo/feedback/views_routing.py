"""The routing-model page of the Standing Office: versions, held-out accuracy, retraining."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from thuocdo.core.errors import NotFound
from thuocdo.core.jobs import enqueue_on_commit

from .classifier import HELD_OUT_SHARE, MIN_SAMPLES, handled_cases_count
from .models import RoutingModel
from .permissions import case_policy
from .routing import routing_threshold
from .tasks import routing_model_train_job


@login_required
def routing_models(request: HttpRequest) -> HttpResponse:
    if not case_policy.is_standing_office(request.user):
        case_policy.record_denial(request.user, "triage", None, None)
        raise NotFound()
    if request.method == "POST":
        enqueue_on_commit(routing_model_train_job, actor_id=request.user.pk)
        messages.success(request, _("Đã đưa việc huấn luyện lại vào hàng đợi; tải lại trang sau ít phút."))
        return redirect("feedback:routing_models")
    models = RoutingModel.objects.defer("payload")[:50]
    return render(
        request,
        "feedback/routing_models.html",
        {
            "models": models,
            "available": handled_cases_count(),
            "min_samples": MIN_SAMPLES,
            "held_out_percent": round(HELD_OUT_SHARE * 100),
            "threshold": routing_threshold(),
            "is_standing_office": True,
        },
    )
