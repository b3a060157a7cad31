"""The site settings admins edit at /admin/site: name, tagline, footer, accent colour, logo."""
