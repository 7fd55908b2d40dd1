"""Seed data for SkillForge: the skills catalogue and a generated population.

The catalogue (categories and skills) is fixed data. The population (learners,
advisors, partners and their opportunities) comes from `build_seed_plan`, which
draws every choice from one `random.Random(seed)`, so the same seed always
gives the same plan. Local runs, tests and load tests can then share data
without a fixture file, and a failure seen with one seed can be replayed.

This module is pure: no database and no imports from the rest of the app.
Loading a plan into the database is the job of the code that calls it.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

LEVELS: tuple[str, ...] = ("awareness", "working", "practitioner", "expert")
"""Skill level names; level ``n`` (1 to 4) is ``LEVELS[n - 1]``."""

REGIONS: tuple[str, ...] = ("eu", "us")
"""Data regions a learner or a partner can belong to."""

PERSONAS: tuple[str, ...] = ("student", "career_changer", "advisor")
"""Personas of seeded people; advisors are not learners."""

OPPORTUNITY_KINDS: tuple[str, ...] = ("job", "internship", "apprenticeship", "project")
"""Kinds of opportunity a partner can publish."""


@dataclass(frozen=True)
class CategorySpec:
    """A skill category, such as software engineering or skilled trades."""

    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class SkillSpec:
    """A skill in the catalogue; `category` is the slug of its category."""

    slug: str
    name: str
    category: str


@dataclass(frozen=True)
class PersonSpec:
    """A seeded learner or advisor.

    `skills` holds ``(skill slug, self-rated level)`` pairs, level 1 to 4.
    """

    first_name: str
    last_name: str
    email: str
    persona: str
    region: str
    headline: str
    goals: str
    skills: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class OpportunitySpec:
    """An opportunity; `required` holds ``(skill slug, minimum level)`` pairs."""

    title: str
    kind: str
    region: str
    description: str
    required: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class PartnerSpec:
    """A partner organisation and the opportunities it publishes."""

    name: str
    slug: str
    regions: tuple[str, ...]
    contact_email: str
    opportunities: tuple[OpportunitySpec, ...]


@dataclass(frozen=True)
class SeedPlan:
    """Everything one seed produces.

    `advisor_of` holds ``(advisor index, learner index)`` pairs into
    `advisors` and `learners`.
    """

    learners: tuple[PersonSpec, ...]
    advisors: tuple[PersonSpec, ...]
    partners: tuple[PartnerSpec, ...]
    advisor_of: tuple[tuple[int, int], ...]


# --- Catalogue --------------------------------------------------------------

CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        "software-engineering",
        "Software engineering",
        "Writing, testing and maintaining software, from web back ends to mobile apps.",
    ),
    CategorySpec(
        "data-analytics",
        "Data & analytics",
        "Collecting, cleaning and analysing data, then turning it into "
        "reports, models and decisions.",
    ),
    CategorySpec(
        "cloud-infrastructure",
        "Cloud & infrastructure",
        "Running the systems software depends on: servers, networks, cloud "
        "platforms, security and support.",
    ),
    CategorySpec(
        "design-ux",
        "Design & UX",
        "Research, interaction and visual design for products, services and brands.",
    ),
    CategorySpec(
        "product-project-management",
        "Product & project management",
        "Planning and delivering work with teams and stakeholders, from "
        "discovery to release.",
    ),
    CategorySpec(
        "marketing-communications",
        "Marketing & communications",
        "Reaching audiences through content, campaigns, media relations and analytics.",
    ),
    CategorySpec(
        "finance-accounting",
        "Finance & accounting",
        "Keeping the books, paying people, reporting results and planning budgets.",
    ),
    CategorySpec(
        "healthcare-care",
        "Healthcare & care",
        "Clinical and personal care in hospitals, clinics, care homes and "
        "people's own homes.",
    ),
    CategorySpec(
        "skilled-trades",
        "Skilled trades",
        "Hands-on building, installation, repair and fabrication work, done "
        "safely and to code.",
    ),
    CategorySpec(
        "education-training",
        "Education & training",
        "Teaching, tutoring and designing learning for children and adults, "
        "in person and online.",
    ),
    CategorySpec(
        "sales-customer-success",
        "Sales & customer success",
        "Finding customers, closing deals and keeping customers well served "
        "after the sale.",
    ),
    CategorySpec(
        "languages",
        "Languages",
        "Spoken, written and signed languages, with translation and interpreting.",
    ),
    CategorySpec(
        "people-leadership",
        "People & leadership",
        "Leading teams, developing people and the everyday craft of working "
        "well with others.",
    ),
)

_SKILL_NAMES: dict[str, tuple[str, ...]] = {
    "software-engineering": (
        "Python",
        "JavaScript",
        "TypeScript",
        "Java",
        "C#",
        "C++",
        "Go",
        "Rust",
        "Kotlin",
        "Swift",
        "PHP",
        "Ruby on Rails",
        "React",
        "Vue.js",
        "Django",
        "Flask web apps",
        "Node.js",
        "REST API design",
        "GraphQL",
        "Unit testing",
        "Test-driven development",
        "Git version control",
        "Code review",
        "Refactoring legacy code",
        "Android development",
        "iOS development",
        "Secure coding practices",
        "Accessible front-end markup",
    ),
    "data-analytics": (
        "SQL",
        "SQL query tuning",
        "Excel pivot tables",
        "Power BI dashboards",
        "Tableau",
        "Looker Studio reports",
        "pandas",
        "NumPy",
        "R programming",
        "Statistical hypothesis testing",
        "A/B test analysis",
        "Regression modelling",
        "Time-series forecasting",
        "Data cleaning",
        "Data visualisation",
        "dbt modelling",
        "Apache Spark",
        "Airflow pipelines",
        "ETL design",
        "Data warehousing",
        "Machine learning fundamentals",
        "scikit-learn",
        "Natural language processing",
        "Survey data analysis",
        "Data governance",
        "Jupyter notebooks",
    ),
    "cloud-infrastructure": (
        "Linux administration",
        "Bash scripting",
        "AWS fundamentals",
        "Microsoft Azure administration",
        "Google Cloud Platform",
        "Docker",
        "Kubernetes",
        "Terraform",
        "Ansible",
        "CI/CD pipelines",
        "GitHub Actions",
        "Prometheus monitoring",
        "Grafana dashboards",
        "Incident response",
        "On-call operations",
        "Networking fundamentals",
        "DNS and TLS",
        "Nginx configuration",
        "PostgreSQL administration",
        "Backup and disaster recovery",
        "Identity and access management",
        "Vulnerability scanning",
        "Firewall configuration",
        "Windows Server administration",
        "IT helpdesk support",
        "Cloud cost optimisation",
    ),
    "design-ux": (
        "Figma prototyping",
        "Wireframing",
        "User research interviews",
        "Usability testing",
        "Journey mapping",
        "Information architecture",
        "Interaction design",
        "Visual design",
        "Typography",
        "Design systems",
        "Accessibility audits (WCAG)",
        "Adobe Photoshop",
        "Adobe Illustrator",
        "Adobe InDesign",
        "Motion graphics",
        "UX writing",
        "Service design",
        "Persona development",
        "Card sorting",
        "Mobile app design",
        "Colour theory",
        "Editorial illustration",
        "Brand identity design",
        "Product photography",
        "Video editing",
    ),
    "product-project-management": (
        "Agile delivery",
        "Scrum mastering",
        "Kanban",
        "Product roadmapping",
        "Backlog refinement",
        "User story writing",
        "Stakeholder management",
        "Risk management",
        "PRINCE2",
        "Project scheduling",
        "Budget tracking",
        "Jira administration",
        "Requirements gathering",
        "OKR setting",
        "Product discovery",
        "Prioritisation frameworks",
        "Release planning",
        "Change management",
        "Vendor management",
        "Business case writing",
        "Process mapping",
        "Lean process improvement",
        "Programme governance",
        "Workshop facilitation",
        "Product analytics",
    ),
    "marketing-communications": (
        "Copywriting",
        "Search engine optimisation",
        "Search advertising",
        "Social media management",
        "Content strategy",
        "Email marketing",
        "Marketing analytics",
        "Brand strategy",
        "Public relations",
        "Press release writing",
        "Event planning",
        "Community management",
        "Influencer partnerships",
        "Marketing automation",
        "Google Analytics",
        "Video storytelling",
        "Podcast production",
        "Internal communications",
        "Crisis communications",
        "Market research",
        "Customer segmentation",
        "Newsletter editing",
        "Campaign planning",
        "Proofreading",
        "Speechwriting",
    ),
    "finance-accounting": (
        "Bookkeeping",
        "Accounts payable",
        "Accounts receivable",
        "Payroll processing",
        "Bank reconciliation",
        "Financial modelling in Excel",
        "Budgeting and forecasting",
        "Management accounting",
        "Financial reporting (IFRS)",
        "US GAAP reporting",
        "VAT returns",
        "Sales tax compliance",
        "Corporate tax preparation",
        "Audit preparation",
        "Cash-flow management",
        "Credit control",
        "Cost accounting",
        "Xero",
        "QuickBooks",
        "SAP FI",
        "Invoice processing",
        "Expense auditing",
        "Anti-money-laundering checks",
        "Treasury operations",
        "Financial statement analysis",
    ),
    "healthcare-care": (
        "Wound care",
        "Medication administration",
        "Patient observations",
        "Infection prevention and control",
        "Basic life support",
        "Safe moving and handling",
        "Dementia care",
        "Palliative care",
        "Phlebotomy",
        "Care planning",
        "Safeguarding adults",
        "Mental health first aid",
        "Personal care support",
        "Nutrition and hydration support",
        "Electronic health records",
        "Clinical documentation",
        "Triage",
        "Medical terminology",
        "Pharmacy dispensing",
        "Physiotherapy assistance",
        "Home care visits",
        "Catheter care",
        "Diabetes management support",
        "Patient communication",
        "Maternity support",
    ),
    "skilled-trades": (
        "Electrical wiring",
        "Electrical testing and inspection",
        "Plumbing installation",
        "Pipe fitting",
        "Gas appliance servicing",
        "Carpentry",
        "Joinery",
        "Bricklaying",
        "Plastering",
        "Tiling",
        "Painting and decorating",
        "Roofing",
        "MIG welding",
        "TIG welding",
        "HVAC maintenance",
        "Heat pump installation",
        "Solar panel installation",
        "CNC machining",
        "Reading technical drawings",
        "Forklift operation",
        "Automotive diagnostics",
        "Electric vehicle servicing",
        "Site health and safety",
        "Scaffolding inspection",
        "Power tool maintenance",
    ),
    "education-training": (
        "Lesson planning",
        "Classroom management",
        "Curriculum design",
        "Formative assessment",
        "Differentiated instruction",
        "E-learning authoring",
        "Moodle administration",
        "Instructional design",
        "One-to-one tutoring",
        "Adult education",
        "Special educational needs support",
        "Child safeguarding",
        "Online facilitation",
        "Early years education",
        "STEM outreach",
        "Literacy support",
        "Numeracy support",
        "Exam invigilation",
        "Course evaluation",
        "Training needs analysis",
        "Careers guidance",
        "Behaviour management",
        "Educational technology",
        "Parent communication",
        "Marking and feedback",
    ),
    "sales-customer-success": (
        "Prospecting",
        "Cold calling",
        "Discovery calls",
        "Sales negotiation",
        "Account management",
        "CRM hygiene",
        "Salesforce administration",
        "HubSpot CRM",
        "Pipeline forecasting",
        "Proposal writing",
        "Customer onboarding",
        "Churn reduction",
        "Support ticket handling",
        "Complaint handling",
        "Retail merchandising",
        "Point-of-sale operations",
        "Upselling",
        "Key account planning",
        "Tender responses",
        "Product demonstrations",
        "Customer satisfaction surveys",
        "Live chat support",
        "Contract renewals",
        "Sales enablement content",
        "Inside sales",
    ),
    "languages": (
        "Spanish (conversational)",
        "Spanish (professional)",
        "French (conversational)",
        "French (professional)",
        "German (conversational)",
        "German (professional)",
        "Italian (conversational)",
        "Portuguese (conversational)",
        "Portuguese (professional)",
        "Dutch (conversational)",
        "Polish (conversational)",
        "Ukrainian (conversational)",
        "Mandarin Chinese (conversational)",
        "Japanese (conversational)",
        "Korean (conversational)",
        "Arabic (conversational)",
        "Hindi (conversational)",
        "Turkish (conversational)",
        "Swedish (conversational)",
        "Greek (conversational)",
        "American Sign Language",
        "British Sign Language",
        "Business English",
        "Technical translation",
        "Community interpreting",
        "Subtitling",
    ),
    "people-leadership": (
        "Team leadership",
        "One-to-one coaching",
        "Mentoring",
        "Conflict resolution",
        "Giving feedback",
        "Delegation",
        "Hiring interviews",
        "Onboarding new starters",
        "Performance reviews",
        "Public speaking",
        "Presentation skills",
        "Time management",
        "Remote team management",
        "Cross-cultural communication",
        "Decision making",
        "Emotional intelligence",
        "Inclusive leadership",
        "Workforce planning",
        "Employee relations",
        "Volunteer coordination",
        "Meeting facilitation",
        "Strategic planning",
        "Budget ownership",
        "Well-being at work",
        "Active listening",
    ),
}

_TRANSLITERATIONS = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "ß": "ss",
        "đ": "d",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ð": "d",
        "þ": "th",
    }
)


def _to_ascii(text: str) -> str:
    """Fold Latin letters to plain ASCII ("Łukasz" to "Lukasz").

    Letters that Unicode does not decompose (ø, ł, ß) go through a small
    table first; whatever is still not ASCII is dropped.
    """
    folded = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))

    return folded.encode("ascii", "ignore").decode("ascii")


def _slugify(text: str) -> str:
    """Turn a display name into a slug of ``[a-z0-9-]`` ("C#" to "c-sharp")."""
    spelled = text.replace("+", " plus ").replace("#", " sharp ")
    spelled = spelled.replace("&", " and ").replace("'", "")

    return re.sub(r"[^a-z0-9]+", "-", _to_ascii(spelled).lower()).strip("-")


def _build_skills(names: dict[str, tuple[str, ...]]) -> tuple[SkillSpec, ...]:
    """Flatten the per-category name lists into the skills catalogue."""
    return tuple(
        SkillSpec(slug=_slugify(name), name=name, category=category)
        for category, category_names in names.items()
        for name in category_names
    )


SKILLS: tuple[SkillSpec, ...] = _build_skills(_SKILL_NAMES)

_SKILLS_BY_CATEGORY: dict[str, tuple[SkillSpec, ...]] = {
    category.slug: tuple(s for s in SKILLS if s.category == category.slug)
    for category in CATEGORIES
}
_SKILL_NAME_BY_SLUG: dict[str, str] = {skill.slug: skill.name for skill in SKILLS}


# --- Wording per field ------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """The words that make generated text about one category read naturally.

    `phrase` is the category as it reads inside a sentence; `related` lists
    the categories a learner or partner in this field plausibly also uses.
    """

    phrase: str
    roles: tuple[str, ...]
    subjects: tuple[str, ...]
    team: str
    tasks: tuple[str, ...]
    projects: tuple[str, ...]
    org_suffixes: tuple[str, ...]
    related: tuple[str, ...]


_FIELDS: dict[str, _Field] = {
    "software-engineering": _Field(
        phrase="software engineering",
        roles=(
            "software developer",
            "back-end developer",
            "front-end developer",
            "mobile developer",
            "QA engineer",
        ),
        subjects=("computer science", "software engineering", "web development"),
        team="product engineering",
        tasks=(
            "build and maintain features in a customer-facing web app",
            "write tests and review pull requests with the team",
            "fix bugs reported by our support colleagues",
            "keep our public API documented and stable",
        ),
        projects=(
            "Volunteer rota app rebuild",
            "Booking widget for a community sports centre",
            "Open-data API for local bus timetables",
        ),
        org_suffixes=("Software Studio", "Code Works", "Digital"),
        related=(
            "data-analytics",
            "cloud-infrastructure",
            "design-ux",
            "product-project-management",
        ),
    ),
    "data-analytics": _Field(
        phrase="data and analytics",
        roles=(
            "data analyst",
            "BI analyst",
            "data engineer",
            "analytics engineer",
            "junior data scientist",
        ),
        subjects=("statistics", "data science", "economics", "mathematics"),
        team="analytics",
        tasks=(
            "turn operational data into weekly reports",
            "build and maintain dashboards used by managers",
            "clean and join data from several source systems",
            "answer ad hoc questions from colleagues with numbers",
        ),
        projects=(
            "Dashboard for regional enrolment figures",
            "Churn analysis for a subscription service",
            "Cleaning a decade of library loan records",
        ),
        org_suffixes=("Analytics", "Data Lab", "Insight"),
        related=(
            "software-engineering",
            "cloud-infrastructure",
            "finance-accounting",
            "marketing-communications",
        ),
    ),
    "cloud-infrastructure": _Field(
        phrase="cloud and infrastructure",
        roles=(
            "cloud engineer",
            "systems administrator",
            "site reliability engineer",
            "IT support technician",
            "DevOps engineer",
        ),
        subjects=("computer networking", "computer science", "IT systems"),
        team="platform",
        tasks=(
            "keep our servers patched, monitored and backed up",
            "automate deployments with infrastructure as code",
            "take part in a supported on-call rota",
            "help colleagues with laptops, accounts and access",
        ),
        projects=(
            "Moving a charity's file server to the cloud",
            "Monitoring for a small clinic network",
            "Disaster recovery runbook for a school trust",
        ),
        org_suffixes=("Cloud Services", "Systems", "Networks"),
        related=("software-engineering", "data-analytics"),
    ),
    "design-ux": _Field(
        phrase="design and UX",
        roles=(
            "UX designer",
            "product designer",
            "graphic designer",
            "UX researcher",
            "service designer",
        ),
        subjects=("interaction design", "graphic design", "psychology"),
        team="design",
        tasks=(
            "run interviews and usability tests with real users",
            "turn research findings into prototypes in Figma",
            "look after our design system and its documentation",
            "design print and social assets for campaigns",
        ),
        projects=(
            "Redesign of a food bank's sign-up form",
            "Wayfinding signs for a city museum",
            "Usability study of a council parking app",
        ),
        org_suffixes=("Design Studio", "Creative", "Studio"),
        related=(
            "software-engineering",
            "marketing-communications",
            "product-project-management",
        ),
    ),
    "product-project-management": _Field(
        phrase="product and project management",
        roles=(
            "project coordinator",
            "product manager",
            "scrum master",
            "delivery manager",
            "business analyst",
        ),
        subjects=("business management", "engineering management", "economics"),
        team="delivery",
        tasks=(
            "plan sprints and keep the backlog in order",
            "run workshops with stakeholders to agree priorities",
            "track budgets, risks and milestones for several projects",
            "write requirements that engineers and designers can act on",
        ),
        projects=(
            "Roadmap for a volunteer-run makerspace",
            "Process map of a clinic's referral journey",
            "Launch plan for a community energy scheme",
        ),
        org_suffixes=("Consulting", "Partners", "Delivery Group"),
        related=("software-engineering", "design-ux", "people-leadership"),
    ),
    "marketing-communications": _Field(
        phrase="marketing and communications",
        roles=(
            "marketing coordinator",
            "content writer",
            "social media manager",
            "communications officer",
            "SEO specialist",
        ),
        subjects=("marketing", "journalism", "media studies", "English"),
        team="marketing",
        tasks=(
            "plan and write content for our website and newsletter",
            "run paid and organic social media campaigns",
            "measure what our campaigns achieve and report on it",
            "work with journalists and partners on announcements",
        ),
        projects=(
            "Launch campaign for a neighbourhood repair café",
            "Newsletter relaunch for an alumni network",
            "Social media plan for a regional theatre",
        ),
        org_suffixes=("Communications", "Media", "Marketing"),
        related=(
            "design-ux",
            "sales-customer-success",
            "languages",
            "data-analytics",
        ),
    ),
    "finance-accounting": _Field(
        phrase="finance and accounting",
        roles=(
            "bookkeeper",
            "accounts assistant",
            "payroll administrator",
            "financial analyst",
            "management accountant",
        ),
        subjects=("accounting and finance", "economics", "business studies"),
        team="finance",
        tasks=(
            "keep the ledgers and reconcile our bank accounts",
            "run the monthly payroll and answer staff questions",
            "prepare management accounts and explain the variances",
            "help with the year-end audit and tax returns",
        ),
        projects=(
            "Budget model for a community sports club",
            "Expense process review for a small charity",
            "Cash-flow forecast for a cooperative bakery",
        ),
        org_suffixes=("Accounting", "Financial Services", "Finance"),
        related=("data-analytics", "sales-customer-success", "people-leadership"),
    ),
    "healthcare-care": _Field(
        phrase="healthcare and care",
        roles=(
            "nurse",
            "care assistant",
            "healthcare assistant",
            "phlebotomist",
            "pharmacy technician",
        ),
        subjects=("nursing", "health and social care", "biomedical science"),
        team="community care",
        tasks=(
            "support residents with personal care and daily routines",
            "take observations and keep clinical records up to date",
            "administer medication safely under supervision",
            "visit clients at home and adjust their care plans",
        ),
        projects=(
            "Falls prevention leaflet for a care home",
            "Hydration tracking trial on a hospital ward",
            "Training pack on dementia-friendly communication",
        ),
        org_suffixes=("Care Group", "Health Partners", "Community Clinics"),
        related=("people-leadership", "education-training", "languages"),
    ),
    "skilled-trades": _Field(
        phrase="the skilled trades",
        roles=(
            "electrician",
            "plumber",
            "carpenter",
            "welder",
            "HVAC technician",
        ),
        subjects=(
            "electrical installation",
            "construction",
            "mechanical engineering",
        ),
        team="installations",
        tasks=(
            "install and test wiring in new and renovated homes",
            "fit and service heating and plumbing systems",
            "work safely on site alongside a qualified tradesperson",
            "read drawings and order the materials a job needs",
        ),
        projects=(
            "Energy retrofit of a community hall",
            "Workshop fit-out for a youth club",
            "Solar installation on a school roof",
        ),
        org_suffixes=("Building Cooperative", "Electrical", "Renewables"),
        related=("people-leadership", "sales-customer-success"),
    ),
    "education-training": _Field(
        phrase="education and training",
        roles=(
            "teacher",
            "teaching assistant",
            "learning designer",
            "trainer",
            "tutor",
        ),
        subjects=("primary education", "education studies", "psychology"),
        team="learning",
        tasks=(
            "plan and teach lessons for mixed-ability groups",
            "design online courses for adult learners",
            "support pupils with additional needs in class",
            "run training sessions for new staff",
        ),
        projects=(
            "Online course on digital skills for older adults",
            "Reading club materials for a public library",
            "STEM workshop series for secondary schools",
        ),
        org_suffixes=("Learning Trust", "Academy", "Training"),
        related=("languages", "people-leadership", "design-ux"),
    ),
    "sales-customer-success": _Field(
        phrase="sales and customer success",
        roles=(
            "sales representative",
            "account manager",
            "customer success manager",
            "support agent",
            "retail supervisor",
        ),
        subjects=("business studies", "marketing", "retail management"),
        team="customer",
        tasks=(
            "look after a portfolio of small business customers",
            "find and qualify new leads by phone and email",
            "onboard new customers and check in after their first month",
            "answer customer questions by chat, phone and email",
        ),
        projects=(
            "Customer feedback survey for a bike shop",
            "Sales playbook for a social enterprise",
            "Onboarding emails for a meal-kit start-up",
        ),
        org_suffixes=("Retail", "Trading", "Outfitters"),
        related=("marketing-communications", "languages", "people-leadership"),
    ),
    "languages": _Field(
        phrase="languages and translation",
        roles=(
            "translator",
            "interpreter",
            "language tutor",
            "localisation specialist",
            "bilingual support agent",
        ),
        subjects=("modern languages", "linguistics", "translation studies"),
        team="localisation",
        tasks=(
            "translate product and support content",
            "interpret at appointments and meetings",
            "review translations for accuracy and tone",
            "teach conversation classes to adult learners",
        ),
        projects=(
            "Subtitles for a documentary festival",
            "Translating a tenants' rights guide",
            "Glossary for a hospital's interpreters",
        ),
        org_suffixes=("Translation Bureau", "Language Services", "Lingua"),
        related=(
            "marketing-communications",
            "education-training",
            "sales-customer-success",
        ),
    ),
    "people-leadership": _Field(
        phrase="people and leadership",
        roles=(
            "team leader",
            "HR officer",
            "people manager",
            "recruiter",
            "volunteer coordinator",
        ),
        subjects=("human resource management", "psychology", "sociology"),
        team="people",
        tasks=(
            "run hiring rounds from job advert to offer",
            "coach team leads through difficult conversations",
            "plan onboarding for new starters",
            "coordinate a team of volunteers across several sites",
        ),
        projects=(
            "Onboarding guide for a volunteer network",
            "Staff survey for a housing association",
            "Mentoring scheme for first-time managers",
        ),
        org_suffixes=("Talent Partners", "People", "Workforce"),
        related=(
            "education-training",
            "finance-accounting",
            "product-project-management",
        ),
    ),
}


# --- People and places ------------------------------------------------------

_FIRST_NAMES: tuple[str, ...] = (
    "Zoë",
    "Anne-Marie",
    "José",
    "Siobhán",
    "Björn",
    "Łukasz",
    "Chloé",
    "Nnamdi",
    "Aoife",
    "Mateo",
    "Priya",
    "Wei",
    "Yuki",
    "Oluwaseun",
    "Fatima",
    "Inès",
    "Søren",
    "Małgorzata",
    "Dóra",
    "Thảo",
    "Jean-Baptiste",
    "Marie-Claire",
    "Renée",
    "Raúl",
    "Ngozi",
    "Kwame",
    "Aisha",
    "Leilani",
    "Dmitri",
    "Olga",
    "Ingrid",
    "Giulia",
    "Matteo",
    "Lucía",
    "Joaquín",
    "Ana",
    "Tomás",
    "Emeka",
    "Amara",
    "Kenji",
    "Mei",
    "Hyun-woo",
    "Minh",
    "Rahul",
    "Ananya",
    "Sanjay",
    "Omar",
    "Yasmin",
    "Tariq",
    "Leila",
    "Elif",
    "Mehmet",
    "Noah",
    "Emma",
    "Liam",
    "Olivia",
    "Jamal",
    "Keisha",
    "Maya",
    "Ethan",
    "Grace",
    "Connor",
    "Niamh",
    "Ewan",
    "Isla",
    "Rhys",
    "Cerys",
    "Sofía",
    "Camila",
    "Diego",
    "Valentina",
    "Hamza",
    "Zainab",
    "Kateřina",
    "Jiří",
    "Ágnes",
    "Bálint",
    "Eero",
    "Aino",
    "Freya",
    "Astrid",
    "Océane",
    "François",
    "Hélène",
    "Jürgen",
    "Luka",
    "Ivana",
    "Beatriz",
    "João",
    "Mariana",
    "D'Andre",
    "Marisol",
)

_LAST_NAMES: tuple[str, ...] = (
    "O'Neill",
    "García",
    "Müller",
    "Nowak",
    "Okafor",
    "Nguyen",
    "Ferreira-Lopes",
    "D'Angelo",
    "Ó Súilleabháin",
    "Kowalczyk",
    "Haddad",
    "Mensah",
    "Johansson",
    "Sørensen",
    "Weiß",
    "van der Berg",
    "de la Cruz",
    "Smith",
    "Johnson",
    "Brown",
    "Patel",
    "Kim",
    "Chen",
    "Tanaka",
    "Yamamoto",
    "Hernández",
    "Martínez",
    "Rossi",
    "Bianchi",
    "Dubois",
    "Lefèvre",
    "Novák",
    "Dvořák",
    "Kovács",
    "Nagy",
    "Papadopoulos",
    "Şahin",
    "Öztürk",
    "Adeyemi",
    "Abubakar",
    "Mwangi",
    "Osei",
    "Jovanović",
    "Lindqvist",
    "Virtanen",
    "Schmidt",
    "Fischer",
    "Santos",
    "Silva",
    "Costa",
    "Murphy",
    "Walsh",
    "MacLeod",
    "Fitzgerald",
    "Washington",
    "Jackson",
    "Lee",
    "Singh",
    "Gupta",
    "Iyer",
    "Reyes",
    "Morales",
    "Haugen",
    "Andersen",
    "Kaczmarek",
    "Wiśniewska",
    "St. Clair",
    "Al-Sayed",
    "Ben-David",
    "Carter-Hughes",
    "Ramírez",
    "Nakamura",
)

_NATIVE_SCRIPT_NAMES: tuple[tuple[str, str, str, str], ...] = (
    ("芳", "王", "fang", "wang"),
    ("민준", "김", "minjun", "kim"),
    ("陽菜", "佐藤", "hina", "sato"),
    ("ليلى", "حداد", "layla", "haddad"),
    ("अर्जुन", "शर्मा", "arjun", "sharma"),
    ("ნინო", "ბერიძე", "nino", "beridze"),
)
"""Names written in their own script: first, last, and their romanisations.

Email addresses use the romanised forms, so every address stays ASCII while
the profile shows the name as its owner writes it.
"""

_NATIVE_SCRIPT_SHARE = 0.04
"""Share of people (0 to 1) whose name is drawn from `_NATIVE_SCRIPT_NAMES`."""

_CITIES: dict[str, tuple[str, ...]] = {
    "eu": (
        "Lisbon",
        "Rotterdam",
        "Lyon",
        "Kraków",
        "Dublin",
        "Tallinn",
        "Valencia",
        "Leipzig",
        "Turin",
        "Ghent",
        "Gothenburg",
        "Brno",
    ),
    "us": (
        "Columbus",
        "Tucson",
        "Raleigh",
        "Minneapolis",
        "Sacramento",
        "Pittsburgh",
        "Albuquerque",
        "Milwaukee",
        "Richmond",
        "Boise",
    ),
}

_PARTNER_PREFIXES: tuple[str, ...] = (
    "Harbourline",
    "Kestrel",
    "Brightmoor",
    "Tallow Bay",
    "Quarrystone",
    "Meridale",
    "Fernhollow",
    "Aldergate",
    "Copperleaf",
    "Saltmarsh",
    "Juniper Row",
    "Brookvale",
    "Larkspur",
    "Ravensholm",
    "Silverbirch",
    "Westerly",
    "Cobalt Point",
    "Thistledown",
    "Ambervale",
    "Nettlefield",
    "Cindermoor",
    "Wrenfield",
    "Palisade Row",
    "Lindenhall",
    "Orchard Lane",
    "Marrowgate",
)
"""Invented place-like words; a partner's name is one of these plus a suffix."""

_CONTACT_MAILBOXES: tuple[str, ...] = ("partnerships", "careers", "talent", "hello")

_MENTORS: tuple[str, ...] = (
    "an experienced mentor",
    "a team lead",
    "two senior colleagues",
    "a small cross-functional team",
)

_STUDENT_HEADLINES: tuple[str, ...] = (
    "{Subject} student aiming for a first role as {a_role}",
    "Final-year {subject} student with an interest in {field}",
    "Second-year {subject} student building a portfolio in {skill}",
    "{Subject} graduate looking for {a_kind} as {a_role}",
)

_CHANGER_HEADLINES: tuple[str, ...] = (
    "Former {prev_role} retraining as {a_role}",
    "{Prev_role} of {years} years moving into {field}",
    "{Prev_role} turned aspiring {role}",
    "Career changer: from {prev_role} to {role}",
)

_ADVISOR_HEADLINES: tuple[str, ...] = (
    "Careers advisor specialising in {field}",
    "Learning coach for {field}, also covering {related}",
    "Employability advisor with {years} years in {field}",
)

_STUDENT_GOALS: tuple[str, ...] = (
    "Find {a_kind} as {a_role} in {city} before graduating, and reach "
    "{next_level} level in {skill}.",
    "Practise {skill} and {skill2} on real work, then apply for {kind}s in {field}.",
    "Get {a_kind} in {field} and move {skill} up from {level} to {next_level} level.",
)

_CHANGER_GOALS: tuple[str, ...] = (
    "Move from {prev_field} into {a_role} role within {months} months, using "
    "my background in {prev_skill}.",
    "Bring {skill} up to {next_level} level and find an employer that "
    "values my experience with {prev_skill}.",
    "Land {a_role} job in {city} within {months} months without starting "
    "again from zero.",
)

_ADVISOR_GOALS: tuple[str, ...] = (
    "Meet each of my learners every {weeks} weeks and help them turn their "
    "skills profiles into applications for roles in {field}.",
    "Help learners moving into {field} find partners who will train them, "
    "and keep every plan up to date.",
)

_JOB_DESCRIPTIONS: tuple[str, ...] = (
    "{partner} is looking for {a_role} to join the {team} team in {city}. "
    "Day to day you will {task}, and {task2}. You should already be "
    "comfortable with {skills}.",
    "Join {partner} in {city} as {a_role}. The role is to {task}; over time "
    "you will also {task2}. Required: {skills}.",
)

_INTERNSHIP_DESCRIPTION = (
    "A {months}-month paid internship with {partner} in {city}. You will "
    "{task} with support from {mentor}. Bring {skills}; we teach the rest."
)

_APPRENTICESHIP_DESCRIPTION = (
    "A {years}-year apprenticeship with {partner} in {city}, combining work "
    "with one day a week at college. You will learn to {task}. Starting "
    "level: {skills}."
)

_PROJECT_DESCRIPTION = (
    "A {weeks}-week project for {partner}: {project}. You will work with "
    "{mentor} for about {hours} hours a week. Useful skills: {skills}."
)

_KIND_WEIGHTS: dict[str, int] = {
    "job": 45,
    "internship": 20,
    "apprenticeship": 15,
    "project": 20,
}
"""Relative frequency of each opportunity kind."""

_SENIORITY_LEVEL_WEIGHTS: dict[str, tuple[int, int, int, int]] = {
    "junior": (30, 60, 10, 0),
    "": (0, 55, 45, 0),
    "senior": (0, 0, 60, 40),
    "internship": (60, 40, 0, 0),
    "apprenticeship": (75, 25, 0, 0),
    "project": (10, 55, 35, 0),
}
"""Weights of minimum levels 1 to 4 for required skills, by kind of role."""

_STUDENT_SHARE = 0.6
"""Share of learners (0 to 1) who are students; the rest change careers."""

_EU_SHARE = 0.55
"""Share of learners and advisors (0 to 1) in the "eu" region."""

_ADVISOR_LOAD = (10, 30)
"""Fewest and most learners one advisor follows."""

_ADVISORS_PER_LEARNER = 2
"""Most advisors following one learner."""


# --- Helpers ----------------------------------------------------------------


def _capitalise(text: str) -> str:
    """Upper-case the first letter only, so "UX designer" stays as it is."""
    return text[:1].upper() + text[1:]


def _decapitalise(text: str) -> str:
    """Lower-case the first letter unless it opens an acronym ("STEM")."""
    first_word = text.split(" ", 1)[0]
    if len(first_word) > 1 and first_word.isupper():
        return text

    return text[:1].lower() + text[1:]


def _article(phrase: str) -> str:
    """Prefix "a" or "an" by sound ("an HVAC technician", "a UX designer")."""
    first_word = phrase.split(" ", 1)[0]
    if first_word.isupper():
        vowel_sound = first_word[0] in "AEFHILMNORSX"
    else:
        vowel_sound = first_word[:1].lower() in "aeio"

    return f"{'an' if vowel_sound else 'a'} {phrase}"


def _join(items: Sequence[str]) -> str:
    """Join phrases as prose: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)

    return f"{', '.join(items[:-1])} and {items[-1]}"


def _email_handle(name: str) -> str:
    """Reduce a name to its email form ("O'Neill" to "oneill")."""
    handle = re.sub(r"[^a-z0-9-]+", "", _to_ascii(name).lower())

    return re.sub(r"-{2,}", "-", handle).strip("-")


def _weighted_level(rng: random.Random, weights: Sequence[int]) -> int:
    """Draw a level 1 to 4 with the given relative weights."""
    return rng.choices((1, 2, 3, 4), weights=weights)[0]


def _rate_skills(
    rng: random.Random, category: str, count: int, weights: Sequence[int]
) -> list[tuple[str, int]]:
    """Pick `count` distinct skills of a category, each with a drawn level."""
    picked = rng.sample(_SKILLS_BY_CATEGORY[category], count)

    return [(skill.slug, _weighted_level(rng, weights)) for skill in picked]


def _merge_skills(*groups: list[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """Join rated skill groups, keeping the first rating of any repeat."""
    merged: dict[str, int] = {}
    for group in groups:
        for slug, level in group:
            merged.setdefault(slug, level)

    return tuple(merged.items())


def _pick_name(rng: random.Random) -> tuple[str, str, str, str]:
    """Draw a first and last name with their email forms."""
    if rng.random() < _NATIVE_SCRIPT_SHARE:
        return rng.choice(_NATIVE_SCRIPT_NAMES)

    first = rng.choice(_FIRST_NAMES)
    last = rng.choice(_LAST_NAMES)

    return first, last, _email_handle(first), _email_handle(last)


def _spread(rng: random.Random, count: int, share: float, a: str, b: str) -> list[str]:
    """Return `count` labels, `share` of them `a`, in a shuffled order.

    An exact split keeps both labels present in any plan of two or more,
    which a coin toss per person would not promise.
    """
    first = round(count * share)
    labels = [a] * first + [b] * (count - first)
    rng.shuffle(labels)

    return labels


# --- People -----------------------------------------------------------------


def _build_student(
    rng: random.Random, first: str, last: str, email: str, region: str
) -> PersonSpec:
    """A student: few skills, mostly at awareness or working level."""
    target = rng.choice(CATEGORIES).slug
    field = _FIELDS[target]

    total = rng.randint(3, 9)
    extra = rng.randint(0, 2) if total > 3 else 0
    rated = _rate_skills(rng, target, total - extra, (35, 40, 20, 5))
    side = _rate_skills(rng, rng.choice(field.related), extra, (40, 40, 15, 5))
    skills = _merge_skills(rated, side)

    weakest = sorted(rated, key=lambda pair: pair[1])
    (slug, level), (slug2, _) = weakest[0], weakest[1]
    subject = rng.choice(field.subjects)
    role = rng.choice(field.roles)
    kind = rng.choice(("internship", "apprenticeship"))
    words = {
        "subject": subject,
        "Subject": _capitalise(subject),
        "field": field.phrase,
        "a_role": _article(role),
        "kind": kind,
        "a_kind": _article(rng.choice((kind, "first job"))),
        "skill": _SKILL_NAME_BY_SLUG[slug],
        "skill2": _SKILL_NAME_BY_SLUG[slug2],
        "level": LEVELS[level - 1],
        "next_level": LEVELS[min(level, len(LEVELS) - 1)],
        "city": rng.choice(_CITIES[region]),
    }
    # A goal to raise a skill needs a level above it; an all-expert profile
    # gets the practice goal instead.
    goal_templates = _STUDENT_GOALS if level < len(LEVELS) else _STUDENT_GOALS[1:2]
    headline = rng.choice(_STUDENT_HEADLINES).format(**words)
    goals = rng.choice(goal_templates).format(**words)

    return PersonSpec(first, last, email, "student", region, headline, goals, skills)


def _build_career_changer(
    rng: random.Random, first: str, last: str, email: str, region: str
) -> PersonSpec:
    """A career changer: strong skills from the old field, new ones rated low.

    The previous field is rated at practitioner or expert level, because that
    is what a career changer brings; the target field starts near awareness.
    """
    previous, target = (c.slug for c in rng.sample(CATEGORIES, 2))
    old, new = _FIELDS[previous], _FIELDS[target]

    prior = _rate_skills(rng, previous, rng.randint(2, 5), (0, 0, 55, 45))
    learning = _rate_skills(rng, target, rng.randint(1, 5), (55, 35, 10, 0))
    extras: list[tuple[str, int]] = []
    if rng.random() < 0.4:
        others = [c for c in ("people-leadership", "languages") if c != previous]
        side = rng.choice([c for c in others if c != target] or others)
        extras = _rate_skills(rng, side, rng.randint(1, 2), (20, 40, 30, 10))
    skills = _merge_skills(prior, learning, extras)

    prev_role = rng.choice(old.roles)
    role = rng.choice(new.roles)
    slug, level = min(learning, key=lambda pair: pair[1])
    words = {
        "prev_role": prev_role,
        "Prev_role": _capitalise(prev_role),
        "prev_field": old.phrase,
        "prev_skill": _SKILL_NAME_BY_SLUG[prior[0][0]],
        "years": rng.randint(3, 18),
        "field": new.phrase,
        "role": role,
        "a_role": _article(role),
        "skill": _SKILL_NAME_BY_SLUG[slug],
        "next_level": LEVELS[level],
        "months": rng.choice((6, 9, 12, 18)),
        "city": rng.choice(_CITIES[region]),
    }
    headline = rng.choice(_CHANGER_HEADLINES).format(**words)
    goals = rng.choice(_CHANGER_GOALS).format(**words)

    return PersonSpec(
        first, last, email, "career_changer", region, headline, goals, skills
    )


def _build_advisor(rng: random.Random, index: int, region: str) -> PersonSpec:
    """An advisor: guidance and coaching skills plus one field of expertise."""
    first, last, first_handle, last_handle = _pick_name(rng)
    email = f"{first_handle}.{last_handle}.{index + 1}@advisors.example"

    specialism = rng.choice(CATEGORIES).slug
    field = _FIELDS[specialism]
    core = [
        ("careers-guidance", rng.choice((3, 4))),
        ("one-to-one-coaching", rng.choice((3, 4))),
        ("active-listening", rng.choice((3, 4))),
    ]
    expertise = _rate_skills(rng, specialism, rng.randint(1, 3), (0, 20, 50, 30))
    skills = _merge_skills(core, expertise)

    words = {
        "field": field.phrase,
        "related": _FIELDS[rng.choice(field.related)].phrase,
        "years": rng.randint(4, 25),
        "weeks": rng.choice((2, 3, 4)),
    }
    headline = rng.choice(_ADVISOR_HEADLINES).format(**words)
    goals = rng.choice(_ADVISOR_GOALS).format(**words)

    return PersonSpec(first, last, email, "advisor", region, headline, goals, skills)


# --- Partners ---------------------------------------------------------------


def _build_opportunity(
    rng: random.Random,
    partner: str,
    regions: tuple[str, ...],
    focus: str,
    secondary: str,
) -> OpportunitySpec:
    """One opportunity whose required skills come from one or two fields."""
    field = _FIELDS[focus]
    kind = rng.choices(tuple(_KIND_WEIGHTS), weights=tuple(_KIND_WEIGHTS.values()))[0]
    region = rng.choice(regions)
    role = rng.choice(field.roles)

    if kind == "job":
        seniority = rng.choices(("junior", "", "senior"), weights=(45, 35, 20))[0]
        role_phrase = f"{seniority} {role}".strip()
        title = _capitalise(role_phrase)
    elif kind == "internship":
        seniority, role_phrase = kind, f"{role} intern"
        title = _capitalise(role_phrase)
    elif kind == "apprenticeship":
        seniority, role_phrase = kind, f"apprentice {role}"
        title = _capitalise(role_phrase)
    else:
        seniority, title = kind, rng.choice(field.projects)
        role_phrase = role

    # Entry-level offers ask for less up front; the rest is taught on the job.
    most = 4 if kind in ("internship", "apprenticeship") else 6
    total = rng.randint(2, most)
    side_count = rng.randint(1, min(2, total - 1)) if rng.random() < 0.5 else 0
    weights = _SENIORITY_LEVEL_WEIGHTS[seniority]
    required = _merge_skills(
        _rate_skills(rng, focus, total - side_count, weights),
        _rate_skills(rng, secondary, side_count, weights),
    )
    skills = _join(
        [f"{_SKILL_NAME_BY_SLUG[s]} ({LEVELS[lvl - 1]})" for s, lvl in required]
    )

    task, task2 = rng.sample(field.tasks, 2)
    words = {
        "partner": partner,
        "a_role": _article(role_phrase),
        "team": field.team,
        "city": rng.choice(_CITIES[region]),
        "task": task,
        "task2": task2,
        "skills": skills,
        "mentor": rng.choice(_MENTORS),
        "project": _decapitalise(title),
        "months": rng.choice((3, 6)),
        "years": rng.choice((2, 3)),
        "weeks": rng.choice((6, 8, 10, 12)),
        "hours": rng.choice((4, 6, 8)),
    }
    if kind == "job":
        description = rng.choice(_JOB_DESCRIPTIONS).format(**words)
    elif kind == "internship":
        description = _INTERNSHIP_DESCRIPTION.format(**words)
    elif kind == "apprenticeship":
        description = _APPRENTICESHIP_DESCRIPTION.format(**words)
    else:
        description = _PROJECT_DESCRIPTION.format(**words)

    return OpportunitySpec(title, kind, region, description, required)


def _build_partner(
    rng: random.Random, prefix: str, focus: str, opportunities: int
) -> PartnerSpec:
    """A partner named after its main field, publishing `opportunities`."""
    field = _FIELDS[focus]
    name = f"{prefix} {rng.choice(field.org_suffixes)}"
    slug = _slugify(name)
    regions = rng.choice((("eu",), ("us",), ("eu", "us")))
    contact_email = f"{rng.choice(_CONTACT_MAILBOXES)}@{slug}.example"
    secondary = rng.choice(field.related)

    offers = tuple(
        _build_opportunity(rng, name, regions, focus, secondary)
        for _ in range(opportunities)
    )

    return PartnerSpec(name, slug, regions, contact_email, offers)


# --- Advisor relations ------------------------------------------------------


def _can_follow(advisors: int, learners: int) -> bool:
    """Whether `advisors` can each follow 10 to 30 of `learners` within bounds."""
    low = _ADVISOR_LOAD[0]
    if not advisors:
        return True

    return learners >= low and advisors * low <= learners * _ADVISORS_PER_LEARNER


def _fill_caseloads(
    rng: random.Random, advisors: Sequence[int], learners: Sequence[int]
) -> list[tuple[int, int]]:
    """Give each advisor 10 to 30 of `learners`, and no learner more than two.

    Each advisor takes the learners with the fewest advisors so far, ties
    broken at random. Loads then stay within one of each other, so every
    advisor can always find enough learners with room left. Each load is
    capped so the advisors still to come can reach their minimum.
    """
    low, high = _ADVISOR_LOAD
    followed = dict.fromkeys(learners, 0)
    slots = len(learners) * _ADVISORS_PER_LEARNER
    pairs: list[tuple[int, int]] = []

    for position, advisor in enumerate(advisors):
        still_to_come = len(advisors) - position - 1
        cap = min(high, len(learners), slots - low * still_to_come)
        load = rng.randint(low, cap)

        order = sorted(learners, key=lambda i: (followed[i], rng.random()))
        for learner in order[:load]:
            followed[learner] += 1
            pairs.append((advisor, learner))
        slots -= load

    return pairs


def _assign_advisors(
    rng: random.Random, advisor_regions: Sequence[str], learner_regions: Sequence[str]
) -> tuple[tuple[int, int], ...]:
    """Pair advisors with learners, within one region where the numbers allow.

    Profiles live in their region, so an advisor follows learners of the same
    region. When some region has too few learners for its advisors, the
    whole plan is paired across regions instead, so small plans still work.
    """
    groups = [
        (
            [i for i, r in enumerate(advisor_regions) if r == region],
            [i for i, r in enumerate(learner_regions) if r == region],
        )
        for region in REGIONS
    ]
    if not all(_can_follow(len(a), len(lr)) for a, lr in groups):
        groups = [
            (list(range(len(advisor_regions))), list(range(len(learner_regions))))
        ]

    pairs: list[tuple[int, int]] = []
    for advisors, learners in groups:
        pairs.extend(_fill_caseloads(rng, advisors, learners))

    return tuple(sorted(pairs))


# --- Entry point ------------------------------------------------------------


def build_seed_plan(
    seed: int = 20261204,
    learners: int = 240,
    advisors: int = 12,
    partners: int = 12,
    opportunities_per_partner: int = 6,
) -> SeedPlan:
    """Generate learners, advisors, partners and advisor relations from a seed.

    Every random choice comes from one `random.Random(seed)` and the global
    generator is never touched, so equal arguments give an equal plan.
    Raises `ValueError` when the counts cannot satisfy the advisor bounds
    (10 to 30 learners each, at most two advisors per learner) or when more
    partners are asked for than there are invented names.
    """
    if min(learners, advisors, partners, opportunities_per_partner) < 0:
        raise ValueError("Seed counts must not be negative.")

    if not _can_follow(advisors, learners):
        raise ValueError(
            f"{advisors} advisors need at least {_ADVISOR_LOAD[0]} learners "
            f"each, and no learner takes more than {_ADVISORS_PER_LEARNER} "
            f"advisors; {learners} learners are too few."
        )

    if partners > len(_PARTNER_PREFIXES):
        raise ValueError(
            f"At most {len(_PARTNER_PREFIXES)} partners have names; "
            f"{partners} were asked for."
        )

    rng = random.Random(seed)

    personas = _spread(rng, learners, _STUDENT_SHARE, "student", "career_changer")
    regions = _spread(rng, learners, _EU_SHARE, "eu", "us")
    people: list[PersonSpec] = []
    for index, (persona, region) in enumerate(zip(personas, regions, strict=True)):
        first, last, first_handle, last_handle = _pick_name(rng)
        email = f"{first_handle}.{last_handle}.{index + 1}@learners.example"
        build = _build_student if persona == "student" else _build_career_changer
        people.append(build(rng, first, last, email, region))

    advisor_regions = _spread(rng, advisors, _EU_SHARE, "eu", "us")
    staff = tuple(
        _build_advisor(rng, index, region)
        for index, region in enumerate(advisor_regions)
    )

    prefixes = rng.sample(_PARTNER_PREFIXES, partners)
    focuses = [c.slug for c in CATEGORIES]
    rng.shuffle(focuses)
    organisations = tuple(
        _build_partner(
            rng, prefix, focuses[index % len(focuses)], opportunities_per_partner
        )
        for index, prefix in enumerate(prefixes)
    )

    advisor_of = _assign_advisors(rng, advisor_regions, regions)

    return SeedPlan(tuple(people), staff, organisations, advisor_of)
