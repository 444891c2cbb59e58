"""The embeddable badge image: a small SVG naming the badge, the company and the year."""

from string import Template
from xml.sax.saxutils import escape

from app.badges.models import BadgeAssertion
from app.badges.rules import BY_ID

# Text is escaped before it is placed: company names come from users.
TEMPLATE = Template("""<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120" viewBox="0 0 320 120" role="img" aria-labelledby="t">
<title id="t">$title</title>
<rect x="1" y="1" width="318" height="118" rx="14" fill="$fill" stroke="$stroke" stroke-width="2"/>
<circle cx="52" cy="60" r="34" fill="#ffffff" stroke="$stroke" stroke-width="3"/>
<text x="52" y="68" font-family="system-ui, sans-serif" font-size="24" font-weight="700" text-anchor="middle" fill="$stroke">$mark</text>
<text x="100" y="40" font-family="system-ui, sans-serif" font-size="18" font-weight="700" fill="#17201c">$badge</text>
<text x="100" y="64" font-family="system-ui, sans-serif" font-size="14" fill="#17201c">$company</text>
<text x="100" y="88" font-family="system-ui, sans-serif" font-size="13" fill="#4d5a54">$status</text>
</svg>
""")


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def badge_svg(assertion: BadgeAssertion, company_name: str) -> str:
    badge = BY_ID[assertion.badge_class].name
    year = assertion.issued_on.year
    revoked = assertion.revoked_at is not None
    status = f"Revoked {assertion.revoked_at:%Y-%m-%d}" if assertion.revoked_at else f"Citypact · {year}"
    title = f"{badge} badge, {company_name}, {year}" + (", revoked" if revoked else "")
    return TEMPLATE.substitute(
        title=escape(title), badge=escape(_clip(badge, 26)), company=escape(_clip(company_name, 32)),
        status=escape(status), mark="✕" if revoked else "✓",
        fill="#f4f1ef" if revoked else "#eef6f2", stroke="#8a3b2a" if revoked else "#0f5f4a",
    )
