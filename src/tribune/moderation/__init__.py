"""Comment moderation: the rules that approve, hold or reject a new or edited comment."""
