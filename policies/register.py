"""The policy register as data: what ``load_policy_register`` writes to the database.

Everything here is taken from the two source documents (the Trust's *Social
Media Policy* and Healthwatch Worcestershire's *Social Media Guidance*). Where a
document leaves a field empty, the field stays empty and the version's notes
say so: the register records what the documents say, not what we wish they said.

Slugs are the stable keys the loader matches on, so other code may refer to
them (the constants below); titles and wording can be corrected freely.
Principles keep the order they are listed in here, which is the order a
reporter sees them in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from policies.models import PolicyKind, PrincipleTheme

TRUST = "Worcestershire Health and Care NHS Trust"
HEALTHWATCH = "Healthwatch Worcestershire"
PARLIAMENT = "UK Parliament"

# Social-media policies (the ones a post can breach).
TRUST_SOCIAL_MEDIA = "trust-social-media-policy"
HEALTHWATCH_SOCIAL_MEDIA = "healthwatch-social-media-guidance"

# Policies and legislation a breach is investigated under.
DISCIPLINARY = "disciplinary"
CONFIDENTIALITY_CODE = "confidentiality-code-of-conduct"
ACCEPTABLE_BEHAVIOUR = "acceptable-standards-of-behaviour"
EQUALITY_AND_INCLUSION = "equality-and-inclusion"
INTERNET_AND_EMAIL = "internet-and-email"
HEALTHWATCH_DIGNITY_AT_WORK = "healthwatch-dignity-at-work"
HEALTHWATCH_DIVERSITY_AND_INCLUSION = "healthwatch-diversity-and-inclusion"
HEALTHWATCH_DISCIPLINARY = "healthwatch-disciplinary"
EQUALITY_ACT_2010 = "equality-act-2010"
HUMAN_RIGHTS_ACT_1998 = "human-rights-act-1998"


@dataclass(frozen=True)
class PolicyEntry:
    slug: str
    title: str
    organisation: str
    kind: PolicyKind
    description: str


@dataclass(frozen=True)
class VersionEntry:
    policy: str  # slug
    version: str
    unique_identifier: str
    owner: str
    responsible_group: str
    ratified_on: dt.date | None
    expires_on: dt.date | None
    source_document: str
    notes: str


@dataclass(frozen=True)
class PrincipleEntry:
    reference: str
    title: str
    summary: str
    investigated_under: str  # slug of an INVESTIGATING or LEGISLATION policy
    theme: PrincipleTheme = PrincipleTheme.OTHER


POLICIES: tuple[PolicyEntry, ...] = (
    PolicyEntry(
        slug=TRUST_SOCIAL_MEDIA,
        title="Social Media Policy",
        organisation=TRUST,
        kind=PolicyKind.SOCIAL_MEDIA,
        description=(
            "The Trust's corporate policy on how staff, temporary workers, students and volunteers "
            "use social media, both privately and on the Trust's behalf."
        ),
    ),
    PolicyEntry(
        slug=HEALTHWATCH_SOCIAL_MEDIA,
        title="Social Media Guidance",
        organisation=HEALTHWATCH,
        kind=PolicyKind.SOCIAL_MEDIA,
        description=(
            "A short guidance note for Healthwatch Worcestershire employees covering business use, "
            "personal use at work and the basic rules for anything they post."
        ),
    ),
    PolicyEntry(
        slug=DISCIPLINARY,
        title="Disciplinary Policy and Procedure",
        organisation=TRUST,
        kind=PolicyKind.INVESTIGATING,
        description=(
            "How the Trust handles alleged misconduct by a member of staff, from informal action "
            "through warnings to dismissal."
        ),
    ),
    PolicyEntry(
        slug=CONFIDENTIALITY_CODE,
        title="Code of Conduct for Employees in Respect of Confidentiality",
        organisation=TRUST,
        kind=PolicyKind.INVESTIGATING,
        description=(
            "What every member of staff must do to keep patient and Trust information private, "
            "online just as much as anywhere else."
        ),
    ),
    PolicyEntry(
        slug=ACCEPTABLE_BEHAVIOUR,
        title="Acceptable Standards of Behaviour Policy",
        organisation=TRUST,
        kind=PolicyKind.INVESTIGATING,
        description=(
            "The behaviour the Trust expects of staff towards each other, used when a colleague is "
            "mistreated or abused online."
        ),
    ),
    PolicyEntry(
        slug=EQUALITY_AND_INCLUSION,
        title="Equality and Inclusion Policy",
        organisation=TRUST,
        kind=PolicyKind.INVESTIGATING,
        description=(
            "The Trust's commitment to treat everyone fairly, used when a post demeans or "
            "discriminates against people because of who they are."
        ),
    ),
    PolicyEntry(
        slug=INTERNET_AND_EMAIL,
        title="Internet and Email Policy",
        organisation=TRUST,
        kind=PolicyKind.INVESTIGATING,
        description=(
            "The rules for using the Trust's internet access, email and work devices, including "
            "time spent on social media while at work (the social media policy also calls it the "
            "Email & Internet Policy)."
        ),
    ),
    PolicyEntry(
        slug=HEALTHWATCH_DIGNITY_AT_WORK,
        title="Dignity at Work Policy",
        organisation=HEALTHWATCH,
        kind=PolicyKind.INVESTIGATING,
        description=(
            "Healthwatch Worcestershire's policy on treating the people you work with, and for, "
            "with dignity and respect."
        ),
    ),
    PolicyEntry(
        slug=HEALTHWATCH_DIVERSITY_AND_INCLUSION,
        title="Diversity and Inclusion Policy",
        organisation=HEALTHWATCH,
        kind=PolicyKind.INVESTIGATING,
        description=(
            "Healthwatch Worcestershire's policy on valuing people of every background and "
            "treating them fairly."
        ),
    ),
    PolicyEntry(
        slug=HEALTHWATCH_DISCIPLINARY,
        title="Healthwatch disciplinary procedure",
        organisation=HEALTHWATCH,
        kind=PolicyKind.INVESTIGATING,
        description=(
            "The guidance warns that misuse can lead to disciplinary action but names no "
            "procedure; this entry stands for Healthwatch Worcestershire's disciplinary process "
            "until the document is identified."
        ),
    ),
    PolicyEntry(
        slug=EQUALITY_ACT_2010,
        title="Equality Act 2010",
        organisation=PARLIAMENT,
        kind=PolicyKind.LEGISLATION,
        description=(
            "The law that makes it unlawful to discriminate against, harass or victimise someone "
            "because of a protected characteristic such as age, disability, race, religion, sex or "
            "sexual orientation."
        ),
    ),
    PolicyEntry(
        slug=HUMAN_RIGHTS_ACT_1998,
        title="Human Rights Act 1998",
        organisation=PARLIAMENT,
        kind=PolicyKind.LEGISLATION,
        description=(
            "The law that lets people rely on their European Convention rights in UK courts, "
            "including the right to a private and family life, which public bodies such as the "
            "Trust must respect."
        ),
    ),
)


VERSIONS: tuple[VersionEntry, ...] = (
    VersionEntry(
        policy=TRUST_SOCIAL_MEDIA,
        version="6",
        unique_identifier="",
        owner=(
            "Elizabeth Bond, Marketing and Communications Officer; John Bagnall, Associate "
            "Director of Workforce"
        ),
        responsible_group="Quality and Safety Committee",
        ratified_on=dt.date(2016, 6, 29),
        expires_on=dt.date(2019, 6, 29),
        source_document=(
            "Worcestershire Health and Care NHS Trust website (hacw.nhs.uk): the policy says only "
            "the internet version is definitive"
        ),
        notes=(
            "The source document gives no identifier: its Unique Identifier field is empty, so "
            "none is recorded here. Version 6 is the last entry in the document's version history, "
            "ratified by the Quality and Safety Committee on 29 June 2016. The copy we hold "
            "carries a stray 'Travel Expenses Policy' heading left over from its template; the "
            "content is the Social Media Policy."
        ),
    ),
    VersionEntry(
        policy=HEALTHWATCH_SOCIAL_MEDIA,
        version="1",
        unique_identifier="",
        owner="Managing Director",
        responsible_group="",
        ratified_on=None,
        expires_on=None,
        source_document="",
        notes=(
            "The source document gives no version, no dates, no identifier and no owner. Version "
            "'1' is Flagpost's own label for the only copy we hold. Questions go to the Managing "
            "Director or another Director, as the guidance says."
        ),
    ),
)


# Principles, per (policy slug, version label), in the order reporters see them.
PRINCIPLES: dict[tuple[str, str], tuple[PrincipleEntry, ...]] = {
    (TRUST_SOCIAL_MEDIA, "6"): (
        PrincipleEntry(
            reference="§5",
            title="Only use social media in your own time",
            summary=(
                "Personal social media is for breaks and after work, not for working hours. A post "
                "made while the person was plainly on duty, for example mid-shift on a ward, may "
                "breach this."
            ),
            theme=PrincipleTheme.WORK,
            investigated_under=INTERNET_AND_EMAIL,
        ),
        PrincipleEntry(
            reference="§5",
            title="Make clear opinions are your own",
            summary=(
                "Anyone who can be linked to the Trust must make clear that their views are "
                "personal and present themselves professionally. A post that reads as if it speaks "
                "for the Trust, or a profile at odds with how staff are expected to appear, may "
                "breach this."
            ),
            theme=PrincipleTheme.TRUTH,
            investigated_under=DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title="Setting up official service sites",
            summary=(
                "Only the Marketing and Communications Team can approve a page or account for a "
                "Trust service, or someone speaking on the Trust's behalf. A page, group or "
                "account that looks official but was never approved breaches this."
            ),
            theme=PrincipleTheme.WORK,
            investigated_under=DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title="Openness and honesty",
            summary=(
                "Staff who link themselves to the Trust should post under their real name. Posts "
                "under a made-up name still count once they are traced back to the person, so "
                "report them too."
            ),
            theme=PrincipleTheme.TRUTH,
            investigated_under=DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title="Respect others",
            summary=(
                "Don't say online what you wouldn't say to someone's face, and don't post a "
                "colleague's details or pictures without asking or keep them up once asked to take "
                "them down. Posts that abuse, mock or expose a colleague breach this."
            ),
            theme=PrincipleTheme.PEOPLE,
            investigated_under=ACCEPTABLE_BEHAVIOUR,
        ),
        PrincipleEntry(
            reference="§5",
            title="Respect equality and human rights",
            summary=(
                "Nothing posted may treat people unfairly because of who they are or intrude on "
                "their private and family life. Racist, sexist, homophobic or other discriminatory "
                "posts breach this and can also break the law."
            ),
            theme=PrincipleTheme.PEOPLE,
            investigated_under=EQUALITY_AND_INCLUSION,
        ),
        PrincipleEntry(
            reference="§5",
            title="Be aware that posts become public",
            summary=(
                "Anything posted can be copied and spread far beyond the people it was meant for, "
                "whatever the privacy settings, and sharing a post can look like agreeing with it. "
                "A 'friends only' post or a share is still covered, and not knowing how the site "
                "works is no excuse."
            ),
            theme=PrincipleTheme.OTHER,
            investigated_under=DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title="Get your facts right",
            summary=(
                "What staff post must be true, and mistakes must be corrected openly. Posting "
                "claims that are false, or leaving them up after learning they are wrong, breaches "
                "this."
            ),
            theme=PrincipleTheme.TRUTH,
            investigated_under=DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title="Defamation and confidential information",
            summary=(
                "Staff must not post damaging claims about named people or organisations, or share "
                "Trust information that is sensitive, confidential or not already public. Leaking "
                "internal matters, or running down the Trust over them, breaches this and can be "
                "gross misconduct."
            ),
            theme=PrincipleTheme.PATIENTS,
            investigated_under=DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title="Use of photos",
            summary=(
                "Work photos must look professional and never show patients, their injuries or "
                "records, X-rays or incidents staff attended; a uniform photo must not be used as "
                "a profile picture. Any such image on a personal account breaches this; sharing "
                "posts from official Trust accounts is fine."
            ),
            theme=PrincipleTheme.PATIENTS,
            investigated_under=CONFIDENTIALITY_CODE,
        ),
        PrincipleEntry(
            reference="§5",
            title="Protect patient confidentiality",
            summary=(
                "Nothing may be posted that could let anyone work out who a patient is. A post "
                "giving a name, a photo, a case detail or a combination of clues that points to a "
                "patient breaches this."
            ),
            theme=PrincipleTheme.PATIENTS,
            investigated_under=CONFIDENTIALITY_CODE,
        ),
        PrincipleEntry(
            reference="§5",
            title="Adhere to other Trust policies",
            summary=(
                "Staff remain bound online by the Trust's values, codes of conduct and their "
                "professional standards. Report a post that goes against any of these even if no "
                "other principle here fits it."
            ),
            theme=PrincipleTheme.OTHER,
            investigated_under=DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§6",
            title="Work accounts need a disclaimer and total separation from personal accounts",
            summary=(
                "Accounts run for work must say they are not watched all the time and where to get "
                "help, and must be kept completely apart from the person's own accounts. A work "
                "account with no such notice, or one mixed up with personal posting, breaches this."
            ),
            theme=PrincipleTheme.WORK,
            investigated_under=INTERNET_AND_EMAIL,
        ),
    ),
    (HEALTHWATCH_SOCIAL_MEDIA, "1"): (
        PrincipleEntry(
            reference="§5",
            title="Nothing inappropriate, offensive or illegal",
            summary=(
                "Whether posted at work or at home, content must be fit for people of every "
                "background to read. Offensive, abusive or unlawful posts breach this."
            ),
            theme=PrincipleTheme.PEOPLE,
            investigated_under=HEALTHWATCH_DIVERSITY_AND_INCLUSION,
        ),
        PrincipleEntry(
            reference="§5",
            title="Nothing that shows the organisation in a negative light",
            summary=(
                "Staff should not post anything that could harm Healthwatch Worcestershire's "
                "reputation. A post that makes the organisation look bad breaches this."
            ),
            theme=PrincipleTheme.WORK,
            investigated_under=HEALTHWATCH_DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title="Never reveal confidential information",
            summary=(
                "Anything not meant for the public stays off social media; staff should ask senior "
                "management when unsure. Posting private or internal information breaches this."
            ),
            theme=PrincipleTheme.PATIENTS,
            investigated_under=HEALTHWATCH_DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title="Never breach data protection or post photographs without permission",
            summary=(
                "Nobody may be identified, or shown in a photo, without their agreement. A post "
                "that names or pictures someone who did not consent breaches this."
            ),
            theme=PrincipleTheme.PATIENTS,
            investigated_under=HEALTHWATCH_DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§5",
            title=(
                "No derogatory comments about colleagues, managers, business associates or clients"
            ),
            summary=(
                "Staff must not run down the people they work with or for, or the organisation "
                "itself. Insulting or belittling remarks about any of them breach this."
            ),
            theme=PrincipleTheme.PEOPLE,
            investigated_under=HEALTHWATCH_DIGNITY_AT_WORK,
        ),
        PrincipleEntry(
            reference="§5",
            title="No defamation",
            summary=(
                "Staff must not make damaging, untrue claims about any person or organisation. A "
                "post that attacks someone's good name breaches this."
            ),
            theme=PrincipleTheme.TRUTH,
            investigated_under=HEALTHWATCH_DISCIPLINARY,
        ),
        PrincipleEntry(
            reference="§4",
            title="Work e-mail only for business social media accounts",
            summary=(
                "A work e-mail address may only be used to sign up for an account that promotes "
                "Healthwatch Worcestershire's work. A personal account registered with a work "
                "address breaches this."
            ),
            theme=PrincipleTheme.WORK,
            investigated_under=HEALTHWATCH_DISCIPLINARY,
        ),
    ),
}
