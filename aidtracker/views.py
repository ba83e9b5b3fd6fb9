"""Portal-wide pages."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class HomeView(LoginRequiredMixin, TemplateView):
    """Show the signed-in staff member where they work and what they can do."""

    template_name = "aidtracker/home.html"
