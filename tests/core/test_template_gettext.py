"""Templates translate through a per-request lookup that still follows force_locale (a
document in another language rendered during an English page's request)."""

from flask import render_template_string
from flask_babel import force_locale


def test_templates_follow_force_locale_inside_a_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ _('Dashboard') }}") == "Dashboard"
        with force_locale("ja"):
            assert render_template_string("{{ _('Dashboard') }}") == "ダッシュボード"
            with force_locale("uz"):
                assert render_template_string("{{ _('Dashboard') }}") != "ダッシュボード"
            assert render_template_string("{{ _('Dashboard') }}") == "ダッシュボード"
        assert render_template_string("{{ _('Dashboard') }}") == "Dashboard"
        text = render_template_string("{{ ngettext('%(num)d new notification', "
                                      "'%(num)d new notifications', 3) }}")
        assert text == "3 new notifications"
