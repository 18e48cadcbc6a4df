# placeholder, filled below
test:
