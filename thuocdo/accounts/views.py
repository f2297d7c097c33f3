from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuocdo.core.errors import AppError

from . import selectors, services
from .forms import LoginForm, TokenCreateForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"roles": selectors.user_roles(user=request.user)})  # type: ignore[arg-type]


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    created_plaintext = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            expires_on = form.cleaned_data["expires_on"]
            expires_at = timezone.make_aware(datetime.combine(expires_on, time.max)) if expires_on else None
            try:
                _token, created_plaintext = services.api_token_create(
                    actor=request.user, name=form.cleaned_data["name"], expires_at=expires_at
                )
            except AppError as error:
                for field, errors in error.fields.items():
                    for message in errors:
                        form.add_error("expires_on" if field == "expires_at" else field, message)
                status = 400
            else:
                form = TokenCreateForm()
        else:
            status = 400
    context = {
        "form": form,
        "tokens": selectors.api_token_list(actor=request.user),
        "created_plaintext": created_plaintext,
    }
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get(actor=request.user, token_id=token_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Đã thu hồi mã truy cập."))
    return redirect("accounts:tokens")
