from django.apps import AppConfig


class ApprovalTemplatesConfig(AppConfig):
    name = "apps.approvals.county"
    label = "approval_templates"
    verbose_name = "县级审批流程模板"
