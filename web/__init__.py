"""Browser-facing front ends Canopy serves itself (no CDN): GraphiQL in web/graphiql/, the staff console's built assets in web/console/ (source in console/), and their routes."""
