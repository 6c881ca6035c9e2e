from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class StablePagination(PageNumberPagination):
    """Pages of a list whose order is fixed by its rows' keys, so page 2 never repeats page 1."""

    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 1000
