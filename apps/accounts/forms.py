from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import User


class StaffUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class StaffUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
