"""The live page for editors and the growth team: static files and the routes serving them."""
