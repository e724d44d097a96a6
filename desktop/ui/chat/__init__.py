"""The Chat tab: conversations, the message view, the composer."""
