"""Approvals: process definitions per document type, and the running approval of a document
(its steps, each with the tasks of the people who may decide it)."""

from django.db import models

from county_platform.db import user_ref


class Mode(models.TextChoices):
    ANY = "any", "或签"
    ALL = "all", "会签"


class ProcessDefinition(models.Model):
    """How documents of one type are approved in this tenant (a copy of the county's
    template, tightened by the tenant)."""

    document_type = models.SlugField("单据类型", max_length=48, unique=True)
    name = models.CharField("流程名称", max_length=64)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "审批流程"
        verbose_name_plural = "审批流程"
        ordering = ["document_type"]

    def __str__(self) -> str:
        return self.name


class ProcessStep(models.Model):
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE,
                                   related_name="steps")
    order = models.PositiveIntegerField("顺序")
    name = models.CharField("环节名称", max_length=64)
    post_code = models.SlugField("岗位", max_length=32)
    # The post's holder must head the applicant's department ("head of the applicant's dept").
    same_department = models.BooleanField("限申请人所在部门", default=False)
    mode = models.CharField("会签/或签", max_length=8, choices=Mode.choices, default=Mode.ANY)
    # e.g. {"amount_gte": "50000.00"}, {"subject_in": ["30217"]}, {"flag": "major_matter"}
    condition = models.JSONField("适用条件", default=dict, blank=True)
    sla_hours = models.PositiveIntegerField("时限（工作小时）", default=16)
    from_county = models.BooleanField("县级必经环节", default=False)

    class Meta:
        verbose_name = "审批环节"
        verbose_name_plural = "审批环节"
        ordering = ["definition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "order"], name="process_step_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class ApprovalStatus(models.TextChoices):
    IN_APPROVAL = "in_approval", "审批中"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已驳回"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class Approval(models.Model):
    """One document's journey through its process."""

    document_type = models.SlugField(max_length=48)
    document_id = models.CharField(max_length=64)
    applicant = user_ref()
    department_id = models.BigIntegerField(null=True)
    facts = models.JSONField("单据要素", default=dict)
    status = models.CharField(max_length=16, choices=ApprovalStatus.choices,
                              default=ApprovalStatus.IN_APPROVAL)
    definition_version = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["document_type", "document_id"])]

    def __str__(self) -> str:
        return f"{self.document_type}#{self.document_id}"


class StepStatus(models.TextChoices):
    WAITING = "waiting", "未开始"
    ACTIVE = "active", "办理中"
    BLOCKED = "blocked", "无人可办"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已驳回"
    RETURNED = "returned", "已退回"
    SKIPPED = "skipped", "不适用"
    CANCELLED = "cancelled", "已取消"


class ApprovalStep(models.Model):
    """A step of one approval, frozen from the definition when the document was submitted."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField()
    name = models.CharField(max_length=64)
    post_code = models.SlugField(max_length=32)
    same_department = models.BooleanField(default=False)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    sla_hours = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=StepStatus.choices,
                              default=StepStatus.WAITING)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["approval", "order"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "order"], name="approval_step_order")
        ]

    def __str__(self) -> str:
        return f"{self.approval_id}/{self.order} {self.status}"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "待办"
    APPROVED = "approved", "同意"
    REJECTED = "rejected", "驳回"
    RETURNED = "returned", "退回"
    CANCELLED = "cancelled", "已取消"


class ApprovalTask(models.Model):
    """Someone's to-do on a step: decided at most once."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="tasks")
    assignee = user_ref()
    post_code = models.SlugField(max_length=32)
    status = models.CharField(max_length=16, choices=TaskStatus.choices,
                              default=TaskStatus.PENDING)
    # Who actually decided: the assignee, or a delegate acting in the post's name.
    decided_by = user_ref(null=True)
    comment = models.CharField(max_length=500, blank=True)
    # A delegate (代理) may decide in the assignee's name until delegate_until.
    delegate = user_ref(null=True)
    delegate_until = models.DateTimeField(null=True)
    # An added signer (加签) must approve before the step completes, whatever its mode.
    is_added = models.BooleanField(default=False)
    added_by = user_ref(null=True)
    escalated_from = models.ForeignKey("self", null=True, on_delete=models.PROTECT,
                                       related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(null=True)
    reminded_at = models.DateTimeField(null=True)
    escalated_at = models.DateTimeField(null=True)
    decided_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["assignee", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["step", "assignee"], name="one_task_per_person_step")
        ]

    def __str__(self) -> str:
        return f"task {self.pk} {self.status}"


class ApprovalComment(models.Model):
    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="comments")
    author = user_ref()
    text = models.CharField("意见", max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:30]
