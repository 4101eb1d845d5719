-- A client's optional written review beside the stars: bounded, shown escaped.
ALTER TABLE ratings
    ADD COLUMN review text NOT NULL DEFAULT '' CHECK (length(review) <= 2000);
