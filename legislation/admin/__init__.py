"""The editors' workspace. Every save of legal data asks why, and the reason lands in history.

Admin autodiscovery imports this package; importing each module below registers its admins.
"""

from django.contrib import admin

admin.site.site_header = "Child sexual exploitation laws – records"
admin.site.site_title = "Gap analysis admin"
admin.site.index_title = "Records"

from . import cells, records, reference, releases, review  # noqa: E402, F401  (registers the admins)
