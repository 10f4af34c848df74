"""Slot grammars of English SMS (same format as ``ko_grammar_spam``): today's smishing and the notices it copies.

The bundled English corpus (UCI, 2012) is British premium-rate and prize spam against personal chat; it has no
appointment reminders, parcel notices, bank alerts or codes, and none of the smishing that copies them (parcel
fees, unpaid tolls, tax refunds, bank "fraud teams", "Hi Mum" new-number scams, task-job offers). Each scam
subtype here has legitimate twins with the same words, so that a phone number, a link or the word "parcel" never
decides the label alone; what differs is what real senders never do (a fee to release a parcel, a look-alike host,
a request to move money or reply on WhatsApp).

``share`` is a relative weight within its label (a judgement from consumer-agency warnings, not a measured share).
"""

from __future__ import annotations

EN_COMMON: dict[str, list[str]] = {
    "link": ["{url}", "{url}", "Visit: {url}", "Go to {url}", "{url} to continue", "Click {url}", "here: {url}"],
    "urgent": ["", "", "within 24 hours", "today", "within 12 hours", "before it is returned to sender", "now to avoid extra charges", "immediately"],
    "stop": ["", "", "Reply STOP to opt out", "Txt STOP to end", "STOP to unsubscribe"],
    "signoff": ["", "", "Thanks", "Thank you", "Many thanks", "Kind regards"],
    "greet": ["", "Hi {given},", "Hello {given},", "Dear {given},", "Hi,"],
}

EN_SPAM_SUBTYPES: dict[str, dict] = {
    "en_smish_parcel_fee": {
        "category": "smishing_delivery", "share": 22.0, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "{fake_courier}: Your parcel is being held due to an unpaid shipping fee of {fee}. Pay {urgent}: {url}",
                "{fake_courier}: we were unable to deliver your package. Please reschedule delivery and confirm your address {urgent} {link}",
                "{fake_courier}: Your item has a {fee} customs charge outstanding. To release it visit {url}",
                "Your {fake_courier} package could not be delivered due to an incomplete address. Update here {url} {urgent}",
                "{fake_courier} - We missed you today. A redelivery fee of {fee} is required. Book a new slot: {url}",
                "Final notice: your parcel will be returned to the sender. Confirm your details and pay {fee}: {url}",
                "{fake_courier}: Your shipment {ref} is on hold. Settle the {fee} fee {urgent} at {url}",
            ],
        },
    },
    "en_smish_toll_fine": {
        "category": "smishing_agency", "share": 14.0, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "{agency}: You have an outstanding toll of {fee}. Pay by {date} to avoid a late fee of {money_small}: {url}",
                "{agency} final reminder: your unpaid balance of {fee} will incur a penalty. Settle now {url}",
                "Notice from {agency}: our records show an unpaid toll charge for your vehicle. Pay {urgent}: {url}",
                "{agency}: your vehicle tax payment failed. Update your payment details {urgent} or your vehicle may be clamped {url}",
                "You have received a Penalty Charge Notice of {money_small}. Pay within 14 days to avoid court action: {url}",
            ],
            "agency": ["E-ZPass", "FasTrak", "SunPass", "DVLA", "Dart Charge", "The Toll Roads", "TfL", "Congestion Charge", "Parking Services"],
        },
    },
    "en_smish_refund": {
        "category": "smishing_agency", "share": 10.0, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "{agency}: You are eligible for a tax refund of {money_mid}. Claim {urgent} at {url}",
                "{agency}: We have reviewed your account and a rebate of {money_mid} is due to you. Submit your claim: {url}",
                "Your energy bill rebate of {money_mid} is ready. Apply {urgent}: {url}",
                "{agency}: Your cost of living payment of {money_mid} is pending. Confirm your bank details {url}",
                "{agency} notification: a refund of {money_mid} could not be processed. Update your details to receive it: {url}",
            ],
            "agency": ["HMRC", "GOV.UK", "IRS", "DVLA", "Ofgem", "TV Licensing", "NHS", "DWP"],
        },
    },
    "en_smish_bank_alert": {
        "category": "smishing_account", "share": 18.0, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "{bank}: A new device has been added to your account. If this was NOT you, visit {url}",
                "{bank} ALERT: We have suspended your account due to unusual activity. Verify your identity {urgent}: {url}",
                "{bank}: a payment of {money_mid} to {payee} was attempted. If you did not authorise this, call our fraud team on {phone}",
                "{bank} Fraud: Did you attempt a payment of {money_mid} at {merchant}? If NOT, call {phone} immediately",
                "Your {bank} online banking has been locked. To restore access go to {url}",
                "{service}: Your account has been limited. Please confirm your information {urgent}: {url}",
                "{service}: your payment method was declined and your subscription will end. Update billing: {url}",
                "{service} Security: someone tried to sign in to your account. If this wasn't you, reply with the code we just sent you to block them",
                "Hi, I sent you a 6-digit code by mistake, it was meant for my {service} account. Can you send it back to me please?",
            ],
            "payee": ["Mr J Harris", "WEB-PAY LTD", "CASH APP", "an unknown payee", "Coinbase", "a new payee"],
        },
    },
    "en_hi_mum": {
        "category": "impersonation", "share": 12.0, "multiline": 0.1, "registers": ("casual",),
        "rules": {
            "msg": [
                "Hi {parent} it's me, I dropped my phone down the toilet and this is my new number. Can you message me on WhatsApp {mobile}",
                "Hello {parent}, this is my new number, my old phone broke. Save this one. Can you text me back? I need a favour x",
                "{parent} I'm using a friend's phone, mine is broken. Can you WhatsApp me on {mobile}? Something urgent x",
                "Hey {parent} new number, phone smashed. I need to pay a bill today and my banking app won't work, can you help? I'll pay you back tomorrow",
                "Hi {parent}, lost my phone so this is my temporary number. Can you send me {money_mid} for my rent, it's due today, I'll explain later x",
            ],
            "parent": ["Mum", "mum", "Dad", "dad", "Mom", "Mummy"],
        },
    },
    "en_task_job": {
        "category": "job_ad", "share": 12.0, "multiline": 0.2,
        "rules": {
            "msg": [
                "Hi, I'm {given} from {agency}. We have a flexible remote job, {money_mid}-{money_big} a day, 60-90 mins. Contact us on WhatsApp {mobile}",
                "Hello, your CV was recommended to us. Part-time online work, daily pay {money_mid}. Reply YES to learn more or message {mobile} on WhatsApp",
                "{agency} is hiring! Earn {money_mid} per day reviewing products from home. No experience needed. Apply: {url}",
                "Hi there, we're looking for people to help rate apps online. Pay {money_small} per task, paid daily. Telegram @{handle}",
            ],
            "agency": ["Recruit Pro", "TalentHub", "Adecco", "Hays", "Reed Recruitment", "Indeed", "a recruitment agency", "Global Jobs"],
            "handle": ["jobs_hr_{ref}", "recruit{ref}", "hr_{given}{n_small}"],
        },
    },
    "en_prize_lure": {
        "category": "payment_lure", "share": 12.0, "multiline": 0.2, "registers": ("formal", "casual"),
        "rules": {
            "msg": [
                "Congratulations! You've been selected to receive a free {prize}. Just pay {fee} postage: {url}",
                "{merchant} customer reward: you have earned {money_mid} in loyalty points. They expire {date}. Redeem: {url}",
                "Your {service} account has won our monthly draw! Claim your {prize} before {date}: {url}",
                "Last chance: your {money_mid} cashback is waiting. Confirm your card to claim {url}",
            ],
            "prize": ["iPhone 16", "Dyson V15", "£500 Tesco voucher", "$1000 gift card", "PS5", "Samsung Galaxy S24"],
        },
    },
}

EN_HAM_SUBTYPES: dict[str, dict] = {
    "en_appointment_reminder": {
        "category": "appointment", "share": 14.0, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "{clinic}: Reminder of your appointment on {date} at {time}. {manage}",
                "Hi {given}, this is a reminder from {clinic} of your appointment {date} at {time}. {manage}",
                "Your appointment at {clinic} is confirmed for {date} at {time}. {manage} {signoff}",
                "{clinic} appt reminder: {date} {time} with {doctor}. {manage}",
                "Dear {given}, you are booked in with {doctor} at {clinic} on {date} at {time}. {manage}",
                "{clinic}: Your {what} is due. Please ring {landline} to book an appointment.",
                "Reminder: {what} at {clinic} {date} {time}. Please bring your glasses and a list of medicines. {manage}",
            ],
            "manage": [
                "To cancel or change please call {landline}.", "If you can't make it please call us on {landline}.",
                "Reply C to cancel.", "Need to rearrange? Ring {landline}.", "To rearrange, please phone us on {phone}.",
                "Please arrive 10 minutes early.", "Manage your booking: {booking_link}", "", "Reply YES to confirm or call {landline}.",
            ],
            "doctor": ["Dr {surname}", "the nurse", "your hygienist", "Dr {surname}", "your physio", "the practice nurse"],
            "what": ["check-up", "eye test", "flu jab", "smear test", "annual review", "dental check-up", "blood test"],
        },
    },
    "en_delivery_notice": {
        "category": "delivery_notice", "share": 14.0, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "Royal Mail: Your parcel from {shop} will be delivered {date}. Track it at {royalmail_link}",
                "DPD: Hi {given}, your parcel will be delivered {date} between {time} and {time2}. Manage your delivery: {dpd_link}",
                "Evri: Your parcel from {shop} is out for delivery today. Track: {evri_link}",
                "UPS: Your package is scheduled for delivery {date}. Track: {ups_link}",
                "USPS: Your item was delivered in or at the mailbox at {time} on {date}. {usps_link}",
                "Amazon: your package with {item} was delivered. Track your package: {amazon_link}",
                "Your {shop} order {order_no} has been dispatched and will arrive {date}.",
                "Sorry we missed you. Your parcel has been left with your neighbour at number {n_small}. {signoff}",
                "Your driver {given} is nearby and will deliver your parcel in about {n_small} stops.",
            ],
            "item": ["Phone case", "2 items", "Kindle", "AA batteries", "Book", "Shoes"],
            "time2": ["{time}"],
        },
    },
    "en_bank_alert": {
        "category": "bank_transfer", "share": 12.0, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "{bank}: A payment of {money_mid} to {merchant} was made from your account ending {last4} on {date}.",
                "{bank}: Your balance is below {money_small}. Log in to your app to check your account.",
                "{bank}: You've received {money_mid} from {given} {surname}.",
                "{bank}: Your salary of {money_big} has been paid into your account ending {last4}.",
                "{bank}: Did you just use your card ending {last4} at {merchant} for {money_mid}? Reply Y or N. We will never ask for your PIN.",
                "{bank}: Your new card ending {last4} has been sent and should arrive within 5 working days.",
                "{bank}: A direct debit of {money_mid} to {merchant} will be taken on {date}.",
                "{bank}: we'll never ask you to move money to a safe account. If in doubt, call the number on the back of your card.",
            ],
        },
    },
    "en_verification_code": {
        "category": "otp", "share": 12.0, "multiline": 0.1, "registers": ("formal",),
        "rules": {
            "msg": [
                "Your {service} verification code is {otp}. Don't share it with anyone.",
                "G-{otp} is your Google verification code.",
                "{otp} is your {service} code. Do not share it.",
                "Your {service} code: {otp}. It expires in 10 minutes. If you didn't request it, ignore this message.",
                "{bank}: {otp} is your one-time passcode for a payment of {money_mid} to {merchant}. Never share this code.",
                "Use {otp} to sign in to {service}. We'll never call you to ask for it.",
            ],
        },
    },
    "en_service_notice": {
        "category": "utility_bill", "share": 10.0, "multiline": 0.2, "registers": ("formal",),
        "rules": {
            "msg": [
                "{provider}: Your bill for {money_mid} is ready. View it in your account: {bill_link}",
                "{provider}: Your payment of {money_mid} has been received. Thank you.",
                "{provider}: Your direct debit of {money_mid} will be collected on {date}. {bill_link}",
                "Your prescription is ready to collect from {pharmacy}. {pharmacy_link}",
                "{pharmacy}: your repeat prescription has been sent to us and will be ready in 3 working days.",
                "Your taxi is booked for {time}. Driver {given}, silver Toyota Prius. Call {phone} if you need to change it.",
                "Your table for {n_small} at {restaurant} on {date} at {time} is confirmed. View or cancel: {booking_link}",
                "{school}: School will close at 1:30pm on {date}. Please collect your child from the main gate. {school_link}",
                "{school}: Reminder, parents' evening is on {date} from {time}. Book slots here: {school_link}",
                "{council}: Your bin collection has moved to {date} due to the bank holiday.",
                "NHS: You are eligible for a free flu vaccination. Book at your GP surgery or visit {nhs_link}",
            ],
            "provider": ["British Gas", "Octopus Energy", "Thames Water", "EE", "Vodafone", "O2", "Three", "Virgin Media", "Sky", "BT"],
            "bill_link": ["{utility_link}", "{telecom_link}"],
            "pharmacy": ["Boots", "LloydsPharmacy", "Well Pharmacy", "the pharmacy", "Superdrug Pharmacy"],
            "restaurant": ["Dishoom", "Zizzi", "The Red Lion", "Wagamama", "Pizza Express", "Nando's"],
            "school": ["Oakfield Primary", "St Peter's School", "Hillside Academy", "Brook Lane Primary"],
            "council": ["Leeds City Council", "Bristol City Council", "your council", "Manchester City Council"],
        },
    },
    "en_personal_contact": {
        "category": "personal", "share": 18.0, "multiline": 0.05, "registers": ("casual",),
        # People give out numbers and links too: a number or "my new phone" never decides the label.
        "rules": {
            "msg": [
                "Hi it's {given}, new phone so this is my new number. Save it! See you {date}",
                "{given} the plumber's number is {phone}, he was really good",
                "Can you call me when you get a sec? {mobile}",
                "Dropped my phone and the screen's cracked lol, will ring you from {given2}'s later",
                "Here are the photos from {date} {friend_link}",
                "Running late, be there at {time}. Call me on {mobile} if you can't find it",
                "Thanks for dinner! I owe you {money_small}, will send it tonight",
                "Mum said can you pick up the parcel from the post office before {time}",
                "Sent you the money for the tickets, let me know when it's in",
                "{given} do you have the number for the taxi firm? Ours is {phone} but they never answer",
                "Hey, it's {given} from work. My email is {email} if you want to send me the file",
                "Happy birthday!! Have a lovely day x",
                "Are you still ok for {date}? Table is booked for {time}",
                "Lost my bank card so I've cancelled it, can you pay for the shopping and I'll transfer you {money_small}",
            ],
        },
    },
}
