"""A realistic sales domain that the product works on out of the box (``elt demo``)."""
