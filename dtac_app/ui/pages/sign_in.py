"""The start page while signed out: only the sign-in form, so it loads without the heavier modules."""

from dtac_app.ui.sign_in_form import render_sign_in

render_sign_in()
