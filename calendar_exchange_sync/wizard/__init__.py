"""Wizards: transient models that walk an administrator through one decision."""

from . import calendar_exchange_switch
