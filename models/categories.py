"""Slice groups of message categories: a contract the gold set, the gates and the operating threshold all read."""

from __future__ import annotations

# Corpus category (generators v1 tasks/sample/synth_ko.py and v2 synth_ko_v2.py) -> slice group. Rows without a
# category (the real English and Korean corpora) fall back by label: spam -> other_spam (UCI prize/premium-rate
# spam), ham -> personal.
CATEGORY_GROUP_BY_CATEGORY: dict[str, str] = {
    # credential theft, fraud and impersonation
    "impersonation": "smishing",
    "smishing_delivery": "smishing",
    "smishing_government": "smishing",
    "smishing_card": "smishing",
    "phishing": "smishing",
    "smishing_agency": "smishing",
    "smishing_acquaintance": "smishing",
    "smishing_account": "smishing",
    "payment_lure": "smishing",
    # promotion of goods and services, legal or not
    "advertising": "advertising",
    "gambling": "advertising",
    "loan": "advertising",
    "adult": "advertising",
    "investment": "advertising",
    "job_ad": "advertising",
    # transactional ham a filter must never block
    "otp": "transactional",
    "card_approval": "transactional",
    "delivery_notice": "transactional",
    "appointment": "transactional",
    "bank_transfer": "transactional",
    "utility_bill": "transactional",
    "public_notice": "transactional",
    "school_notice": "transactional",
    "apartment_notice": "transactional",
    "personal": "personal",
    # the label stage's categories (models/label_prompt.py), carried by reviewed own-traffic rows
    "investment_scam": "advertising",
    "impersonation_smishing": "smishing",
    "phishing_link": "smishing",
    "transactional": "transactional",
}
CATEGORY_GROUPS: tuple[str, ...] = ("smishing", "advertising", "other_spam", "transactional", "personal")


def category_group(label: str, category: str | None) -> str:
    """Slice group of a row: smishing / advertising / other_spam for spam, transactional / personal for ham."""
    if category:
        group = CATEGORY_GROUP_BY_CATEGORY.get(category)
        if group is None:
            raise ValueError(f"unknown seed category {category!r}: add it to CATEGORY_GROUP_BY_CATEGORY")
        return group
    return "other_spam" if label == "spam" else "personal"


HAM_GROUPS: tuple[str, ...] = ("transactional", "personal")


def ham_group(label: str, category: str | None) -> str | None:
    """The ham group a row's false positives count in when the operating threshold is chosen (None for spam, and
    for a ham whose category is one no group knows): ``category_group``, but an unknown category never raises,
    since a reviewer's free-text category must not stop a training run."""
    if label != "ham":
        return None
    group = CATEGORY_GROUP_BY_CATEGORY.get(category, None) if category else "personal"
    return group if group in HAM_GROUPS else None
