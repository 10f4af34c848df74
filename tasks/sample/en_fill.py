"""Slot values for the English SMS grammars (``en_grammar.py``): names, numbers, amounts, dates, links.

Every value is random and fake, with the FORMAT real messages use, so PII scrubbing downstream sees it:

* phone numbers come from the ranges regulators keep for drama and examples: UK mobiles 07700 900000-900999 and
  landlines 020 7946 0000-0999 (Ofcom), North American 555-0100-0199 (NANPA);
* card and account endings are random digits; e-mail users and link paths are random strings;
* legitimate senders' hosts are those senders' real public hosts with made-up paths; scam hosts are made up
  (brand look-alikes on cheap top-level domains, shorteners with random codes), as smishing uses.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

Fill = Callable[[random.Random], str]

GIVEN = (
    "James", "Olivia", "Jack", "Amelia", "Harry", "Isla", "Oliver", "Emily", "Charlie", "Sophie", "Tom", "Grace", "Sam",
    "Lucy", "Dan", "Chloe", "Ben", "Ella", "Mike", "Hannah", "Chris", "Jess", "Matt", "Laura", "Priya", "Aisha", "Mohammed",
    "Wei", "Carlos", "Maria", "Kofi", "Sean", "Megan", "Ryan", "Katie", "Josh", "Beth", "Liam", "Zoe", "Nathan",
)
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Patel", "Khan", "Walker", "Wright", "Hughes", "Green", "Lewis", "Clarke", "Murphy", "Chen", "Garcia", "Kim", "Nguyen")
CLINICS = (
    "Riverside Dental", "Park Lane Dental Practice", "the Health Centre", "Oakwood Surgery", "St Mary's Medical Practice",
    "High Street Opticians", "Specsavers", "Bupa Dental Care", "the Physio Clinic", "Greenfield Vets", "Hair by Jo",
    "City Podiatry", "the Eye Clinic", "Westside Family Practice", "Bright Smile Orthodontics", "the Blood Test Clinic",
)
COURIERS = {
    "Royal Mail": ["https://www.royalmail.com/track-your-item#/tracking-results/{tracking_gb}"],
    "DPD": ["https://track.dpd.co.uk/parcels/{digits}", "https://www.dpd.co.uk/apps/tracking/?parcel={digits}"],
    "Evri": ["https://www.evri.com/track/parcel/{tracking_alnum}"],
    "UPS": ["https://www.ups.com/track?tracknum=1Z{tracking_alnum}"],
    "FedEx": ["https://www.fedex.com/fedextrack/?trknbr={digits}"],
    "USPS": ["https://tools.usps.com/go/TrackConfirmAction?tLabels=9400{digits}"],
    "Amazon": ["https://www.amazon.co.uk/progress-tracker/package/{code}", "https://www.amazon.com/gp/your-account/order-details?orderID={order_no}"],
    "Yodel": ["https://www.yodel.co.uk/track/{tracking_alnum}"],
}
COURIER_IMPERSONATED = ("Royal Mail", "Evri", "DPD", "USPS", "UPS", "FedEx", "DHL", "Parcelforce")
BANKS = ("Barclays", "HSBC", "Lloyds", "NatWest", "Santander", "Monzo", "Nationwide", "Halifax", "Chase", "Bank of America", "Wells Fargo", "Starling")
MERCHANTS = ("Tesco", "Sainsbury's", "Amazon", "Uber", "Deliveroo", "Costa Coffee", "Boots", "TfL Travel", "Netflix", "Spotify", "Shell", "Pret A Manger", "Argos", "Walmart", "Target", "Starbucks")
SHOPS = ("ASOS", "Argos", "John Lewis", "Amazon", "eBay", "Next", "Currys", "Etsy", "Vinted", "Boots", "Zara", "IKEA")
SERVICES = ("Google", "WhatsApp", "Microsoft", "Amazon", "PayPal", "Uber", "Facebook", "Instagram", "Apple", "Monzo", "Revolut", "Steam", "Airbnb", "eBay")
LEGIT_HOSTS = {
    "nhs": ["https://www.nhs.uk/nhs-app/", "https://www.nhs.uk/conditions/vaccinations/"],
    "gov": ["https://www.gov.uk/vehicle-tax", "https://www.gov.uk/council-tax", "https://www.gov.uk/check-mot-history"],
    "school": ["https://www.parentmail.co.uk/{code}", "https://app.classdojo.com/{code}", "https://www.arbor-education.com/{code}"],
    "utility": ["https://www.britishgas.co.uk/my-account", "https://www.octopus.energy/dashboard/", "https://www.thameswater.co.uk/my-account"],
    "telecom": ["https://www.ee.co.uk/myee", "https://www.vodafone.co.uk/myvodafone", "https://www.o2.co.uk/myo2", "https://www.three.co.uk/my3"],
    "booking": ["https://www.opentable.co.uk/booking/view?rid={digits}", "https://www.booking.com/mybooking/{code}", "https://www.thetrainline.com/my-account/bookings/{code}"],
    "friend": ["https://photos.app.goo.gl/{code}", "https://youtu.be/{code}", "https://www.instagram.com/p/{code}", "https://maps.app.goo.gl/{code}"],
    "pharmacy": ["https://www.boots.com/online/pharmacy", "https://www.lloydspharmacy.com/account"],
}
SCAM_TLDS = ("top", "xyz", "info", "online", "site", "icu", "live", "click", "cc", "buzz", "shop", "vip", "com", "co")
SCAM_STEMS = (
    "royalmail-redelivery", "rm-reschedule", "evri-parcel", "evri-redeliver", "dpd-update", "usps-care", "usps-redelivery",
    "ups-reschedule", "parcelforce-fee", "dhl-customs", "ezpass-tolls", "tollservices-pay", "dvla-refund", "hmrc-refund",
    "gov-uk-rebate", "nhs-covid-pass", "tv-licence-renew", "barclays-secure", "hsbc-verify", "lloyds-device", "natwest-help",
    "monzo-secure", "paypal-resolution", "amazon-refunds", "apple-id-locked", "netflix-billing", "secure-banking", "verify-account",
)
SHORTENERS = ("bit.ly", "tinyurl.com", "t.co", "rb.gy", "cutt.ly", "is.gd")


def code(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def digits(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(length))


def uk_mobile(rng: random.Random) -> str:
    """An Ofcom drama-range mobile (07700 900xxx), in the layouts texts use."""
    number = f"07700900{rng.randint(0, 999):03d}"
    layout = rng.randrange(4)
    if layout == 0:
        return f"{number[:5]} {number[5:]}"
    if layout == 1:
        return number
    if layout == 2:
        return f"+44 {number[1:5]} {number[5:]}"
    return f"+44{number[1:]}"


def uk_landline(rng: random.Random) -> str:
    """A London drama-range landline (020 7946 0xxx)."""
    number = f"{rng.randint(0, 999):03d}"
    return rng.choice((f"020 7946 0{number}", f"0207 946 0{number}", f"+44 20 7946 0{number}"))


def us_phone(rng: random.Random) -> str:
    """A NANPA fictional number (555-0100 to 555-0199) with a real-looking area code."""
    area = rng.choice(("212", "415", "617", "312", "213", "646", "202", "305"))
    line = f"01{rng.randint(0, 99):02d}"
    return rng.choice((f"({area}) 555-{line}", f"{area}-555-{line}", f"+1 {area} 555 {line}", f"1-{area}-555-{line}"))


def phone(rng: random.Random) -> str:
    return rng.choice((uk_mobile, uk_mobile, uk_landline, us_phone))(rng)


def money(rng: random.Random, low: float, high: float) -> str:
    value = rng.uniform(low, high)
    symbol = rng.choice(("£", "£", "$"))
    return f"{symbol}{value:,.2f}" if rng.random() < 0.7 else f"{symbol}{round(value):,}"


def date(rng: random.Random) -> str:
    day = rng.randint(1, 28)
    month = rng.choice(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))
    weekday = rng.choice(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    return rng.choice((f"{day} {month}", f"{weekday} {day} {month}", f"{day:02d}/{rng.randint(1, 12):02d}", f"{month} {day}", "tomorrow", "today"))


def clock(rng: random.Random) -> str:
    hour, minute = rng.randint(7, 19), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))
    return rng.choice((f"{hour:02d}:{minute:02d}", f"{(hour - 1) % 12 + 1}:{minute:02d}{'am' if hour < 12 else 'pm'}", f"{(hour - 1) % 12 + 1}{'am' if hour < 12 else 'pm'}"))


def email(rng: random.Random) -> str:
    user = rng.choice(GIVEN).lower() + rng.choice((".", "_", "")) + rng.choice(SURNAMES).lower() + (digits(rng, 2) if rng.random() < 0.5 else "")
    return f"{user}@{rng.choice(('gmail.com', 'outlook.com', 'yahoo.co.uk', 'hotmail.com', 'icloud.com'))}"


def _expand_link(template: str, rng: random.Random) -> str:
    return (
        template.replace("{code}", code(rng, rng.randint(6, 10)))
        .replace("{digits}", digits(rng, rng.randint(8, 14)))
        .replace("{tracking_gb}", f"{code(rng, 2).upper()}{digits(rng, 9)}GB")
        .replace("{tracking_alnum}", code(rng, 16).upper())
        .replace("{order_no}", f"{digits(rng, 3)}-{digits(rng, 7)}-{digits(rng, 7)}")
    )


def courier_link(courier: str) -> Fill:
    return lambda rng: _expand_link(rng.choice(COURIERS[courier]), rng)


def legit_link(kind: str) -> Fill:
    return lambda rng: _expand_link(rng.choice(LEGIT_HOSTS[kind]), rng)


def scam_url(rng: random.Random) -> str:
    """A smishing link: a brand look-alike on a cheap domain (often with a path), a shortener, or a bare IP."""
    draw = rng.random()
    if draw < 0.65:
        host = f"{rng.choice(SCAM_STEMS)}{rng.choice(('', '', '-' + digits(rng, 2), '-uk', '-help'))}.{rng.choice(SCAM_TLDS)}"
        path = rng.choice(("", "/" + code(rng, 5), "/pay", "/verify", "/i/" + code(rng, 6)))
        return rng.choice(("https://", "http://", "")) + host + path
    if draw < 0.9:
        return f"https://{rng.choice(SHORTENERS)}/{code(rng, rng.randint(5, 8))}"
    return f"http://{rng.randint(45, 210)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}/{code(rng, 5)}"


FILLS: dict[str, Fill] = {
    "given": lambda r: r.choice(GIVEN),
    "given2": lambda r: r.choice(GIVEN),
    "surname": lambda r: r.choice(SURNAMES),
    "phone": phone,
    "mobile": uk_mobile,
    "landline": uk_landline,
    "clinic": lambda r: r.choice(CLINICS),
    "bank": lambda r: r.choice(BANKS),
    "merchant": lambda r: r.choice(MERCHANTS),
    "shop": lambda r: r.choice(SHOPS),
    "service": lambda r: r.choice(SERVICES),
    "fake_courier": lambda r: r.choice(COURIER_IMPERSONATED),
    "last4": lambda r: digits(r, 4),
    "otp": lambda r: digits(r, r.choice((4, 6, 6, 6, 8))),
    "ref": lambda r: code(r, r.randint(6, 9)).upper(),
    "order_no": lambda r: f"{digits(r, 3)}-{digits(r, 7)}-{digits(r, 7)}" if r.random() < 0.4 else digits(r, r.randint(6, 9)),
    "money_small": lambda r: money(r, 1, 60),
    "money_mid": lambda r: money(r, 15, 400),
    "money_big": lambda r: money(r, 400, 4_000),
    "fee": lambda r: money(r, 0.99, 3.5),
    "date": date,
    "date2": date,
    "time": clock,
    "n_small": lambda r: str(r.randint(2, 9)),
    "email": email,
    "url": scam_url,
    "royalmail_link": courier_link("Royal Mail"),
    "dpd_link": courier_link("DPD"),
    "evri_link": courier_link("Evri"),
    "ups_link": courier_link("UPS"),
    "usps_link": courier_link("USPS"),
    "amazon_link": courier_link("Amazon"),
    "nhs_link": legit_link("nhs"),
    "gov_link": legit_link("gov"),
    "school_link": legit_link("school"),
    "utility_link": legit_link("utility"),
    "telecom_link": legit_link("telecom"),
    "booking_link": legit_link("booking"),
    "friend_link": legit_link("friend"),
    "pharmacy_link": legit_link("pharmacy"),
}
