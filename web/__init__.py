"""Browser-facing assets Canopy serves itself (no CDN): GraphiQL in web/graphiql/."""
