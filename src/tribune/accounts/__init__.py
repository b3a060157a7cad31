"""Staff accounts: roles, passwords, sessions, login throttling and the audit log."""
