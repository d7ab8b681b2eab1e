"""The HTML bodies of the month's messages; the plain-text bodies in ``messages`` say the same.

Both messages share one page: the heading, the overall figure, the rules that did not run and
what is attached. Each fills in only its own figures. Everything is autoescaped, since team
names and reasons come from the data.
"""

from __future__ import annotations

from jinja2 import DictLoader, Environment, StrictUndefined

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: Arial, sans-serif; color: #1d1d1d; line-height: 1.4">
<h1 style="font-size: 1.3em">Case-record audit, {{ month }}: {{ heading }}</h1>
<p style="font-size: 1.2em"><strong>Overall compliance: {{ headline.rated }}</strong>
{%- if headline.change %}, <strong>{{ headline.change_text }}</strong>{% endif %}</p>
<p>{{ headline.scope }}{% if overall.compliance is not none %}: {{ overall.met }} of
{{ overall.judged }} judged records met their checks{% endif %}.</p>
{% block figures %}{% endblock %}
{% if not_ran %}
<h2 style="font-size: 1.1em">Not checked this month</h2>
<ul>
{% for code, title, status, reason in not_ran %}
<li>{{ code }} {{ title }} — {{ status }}{% if reason %}: {{ reason }}{% endif %}</li>
{% endfor %}
</ul>
{% endif %}
{% if partly %}
<h2 style="font-size: 1.1em">Checked in part this month</h2>
<ul>
{% for code, title, note in partly %}
<li>{{ code }} {{ title }}: {{ note }}</li>
{% endfor %}
</ul>
{% endif %}
<p>{{ attached }}</p>
{% if note %}
<p><em>{{ note }}</em></p>
{% endif %}
</body></html>
"""

_TEAM = """{% extends "page.html" %}
{% block figures %}
{% if recommendations %}
<table style="border-collapse: collapse" cellpadding="4">
<caption style="text-align: left; font-weight: bold">By recommendation</caption>
<thead><tr><th scope="col" align="left">Recommendation</th>
<th scope="col" align="left">Compliance</th></tr></thead>
<tbody>
{% for key, title, score in recommendations %}
<tr><td>({{ key }}) {{ title }}</td><td>{{ figure(score) }}</td></tr>
{% endfor %}
</tbody></table>
{% endif %}
{% if fix %}
<h2 style="font-size: 1.1em">Fix first</h2>
<ol>
{% for f in fix %}
<li style="margin-bottom: 0.6em"><strong>Child {{ f.child }}</strong> ({{ f.worker }})
{%- if f.urgent %} <strong>{{ f.flag|lower }}</strong>{% endif %}<br>
{{ f.check }} <small>({{ f.rule_code }})</small>: {{ f.reason }}<br>
<small>{% if f.outstanding(team.period) %}<strong>Still not met since
{{ f.since.month_name }}.</strong>{% else %}New this month.{% endif %}
Checks not met for this child: {{ f.actions }}.</small></li>
{% endfor %}
</ol>
{% endif %}
{% if team.follow_up and team.follow_up.given %}
<p>{{ team.follow_up.period.month_name }}'s actions:
<strong>{{ team.follow_up.summary }}</strong>.</p>
{% if team.follow_up.overdue %}<ul>{% for i in team.follow_up.overdue %}
<li>Overdue: child {{ i.child }}, {{ i.check }}{% if i.due_by %}, due {{ i.due_by }}{% endif %}</li>
{% endfor %}</ul>{% endif %}
{% endif %}
<p>Actions for the team: <strong>{{ team.action_count }}</strong>
{%- if team.actions %} (for {{ team.actions | length }} {{ "child" if team.actions | length == 1
else "children" }}): {{ new }} new this month, {{ outstanding }} outstanding{% endif %}.</p>
{% endblock %}
"""

_OVERVIEW = """{% extends "page.html" %}
{% block figures %}
<table style="border-collapse: collapse" cellpadding="4">
<thead><tr><th scope="col" align="left">Team</th><th scope="col" align="left">Compliance</th>
<th scope="col" align="right">Actions</th><th scope="col" align="left">Emailed to</th></tr></thead>
<tbody>
{% for team in overview.teams %}
<tr><td>{{ team.team }}</td><td>{{ figure(team.overall) }}</td>
<td align="right">{{ team.action_count }}</td>
<td>{{ recipients(team.team) | join(", ") or nobody }}</td></tr>
{% endfor %}
</tbody></table>
{% if without %}
<h2 style="font-size: 1.1em">Teams with no recipients (their report was not emailed)</h2>
<ul>{% for team in without %}<li>{{ team }}</li>{% endfor %}</ul>
{% endif %}
{% if unknown %}
<h2 style="font-size: 1.1em">Teams in the email config with no report this month</h2>
<p>Check the spelling against the team names in the data.</p>
<ul>{% for team in unknown %}<li>{{ team }}</li>{% endfor %}</ul>
{% endif %}
{% endblock %}
"""

_ENV = Environment(
    loader=DictLoader({"page.html": _PAGE, "team.html": _TEAM, "overview.html": _OVERVIEW}),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

TEAM_HTML = _ENV.get_template("team.html")
OVERVIEW_HTML = _ENV.get_template("overview.html")
