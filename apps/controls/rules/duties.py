"""Duty rules (岗位与轮岗): vacancies, rotation, exceptions."""
