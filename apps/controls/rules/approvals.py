"""Approval rules (审批管理): pace, SLA, hours."""
