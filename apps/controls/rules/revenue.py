"""Revenue rules (收入管理): registration, accounts, timeliness."""
