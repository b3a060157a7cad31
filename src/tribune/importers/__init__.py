"""Importers: page dumps and other systems' archives (service), Tribune's own backups
(backup), and the admin upload page (routes, jobs)."""
