"""Marketing writes, one module per flow: sending (the one gateway every marketing email
goes through), campaigns, abandonment (cart), behaviour (browse/search), journeys,
attribution."""
