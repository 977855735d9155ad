"""Use cases. Each public function owns its transaction; views never commit."""
