"""The web shell: login, logout and the tenant's home page."""

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.urls import path

from permissions.access import membership_resolve


class MemberLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用。",
        "not_a_member": "您不是本单位的工作人员，请在本单位的网址登录。",
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        tenant = getattr(self.request, "tenant", None)
        if tenant is None or not membership_resolve(user=user, tenant=tenant).is_member:
            raise forms.ValidationError(self.error_messages["not_a_member"], code="not_a_member")


class LoginView(auth_views.LoginView):
    template_name = "login.html"
    authentication_form = MemberLoginForm
    redirect_authenticated_user = True


@login_required
def home(request):
    return render(request, "home.html")


urlpatterns = [
    path("", home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
