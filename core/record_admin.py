"""
Admin pages for records: what happened, kept as it happened.

The audit trail, the change log and the source switches are written by the
services that did the work; the admin shows them and never adds, edits or
deletes one, for anyone, superusers included.
"""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
