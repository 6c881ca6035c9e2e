from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin with the project's admin site (second factor, legislation/
    staff_auth.py) as the default `admin.site`."""

    default_site = "legislation.staff_auth.StaffAdminSite"
