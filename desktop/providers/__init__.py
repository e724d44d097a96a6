"""Provider wire formats and the declarative provider table. No Qt."""
