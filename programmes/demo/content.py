"""Texts of the demo course modules and activities, kept apart from the loader in
`programmes.demo`: two or more modules per programme and activities across the region."""

# --- Lesson step builders (raw StreamField data) -----------------------------------------------


def paragraph(html: str) -> dict:
    return {"type": "paragraph", "value": html}


def callout(title: str, html: str, tone: str = "info") -> dict:
    return {"type": "callout", "value": {"tone": tone, "title": title, "text": html}}


def quote(text: str, attribution: str) -> dict:
    return {"type": "quote", "value": {"text": text, "attribution": attribution}}


def section(title: str, *content: dict) -> dict:
    return {"type": "section", "value": {"title": title, "content": list(content)}}


def scenario(title: str, situation: str, points: list[tuple[str, str]], debrief: str) -> dict:
    return {
        "type": "scenario",
        "value": {
            "title": title,
            "situation": situation,
            "decision_points": [
                {"question": question, "considerations": considerations}
                for question, considerations in points
            ],
            "debrief": debrief,
        },
    }


def option(text: str, correct: bool, feedback: str) -> dict:
    return {"text": text, "correct": correct, "feedback": feedback}


def question(prompt: str, *options: dict, multiple: bool = False) -> dict:
    return {"prompt": prompt, "multiple": multiple, "options": list(options)}


def quiz(*questions: dict, title: str = "Knowledge check", pass_mark: int = 66) -> dict:
    """A knowledge check; the default pass mark is two right answers out of three."""
    return {
        "type": "quiz",
        "value": {"title": title, "questions": list(questions), "pass_mark": pass_mark},
    }


def reflection(prompt: str, title: str = "Reflection") -> dict:
    return {"type": "reflection", "value": {"title": title, "prompt": prompt}}


def agenda_item(day: int, starts: str, ends: str, title: str, description: str = "") -> dict:
    return {
        "type": "item",
        "value": {
            "day": day,
            "starts": starts,
            "ends": ends,
            "title": title,
            "description": description,
        },
    }


# --- Baltic Excellence Programme ----------------------------------------------------------------

BEP_CROSS_BORDER = {
    "slug": "cross-border-cooperation",
    "title": "Cross-border cooperation and mutual assistance",
    "summary": (
        "How the member states around the Baltic Sea help one another when an emergency is "
        "too big for one country, and what a leader must have in place before the request "
        "for help is sent."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Explain why floods, forest fires and chemical spills call for joint preparation "
        "rather than improvised help.</li>"
        "<li>Name the regional networks that link civil protection, border guards and police "
        "around the Baltic Sea.</li>"
        "<li>Describe what a host country needs in order to receive assistance from abroad "
        "quickly and safely.</li>"
        "<li>Plan the first contacts you would make with a neighbouring authority in a "
        "cross-border incident.</li>"
        "</ul>"
    ),
    "estimated_minutes": 45,
    "lessons": [
        section(
            "Hazards do not carry passports",
            paragraph(
                "<p>A storm surge that floods a Danish harbour may reach the German and "
                "Polish coasts the same night. Smoke from a forest fire in one country closes "
                "roads in the next, and a leaking tanker in the Gulf of Finland is a problem "
                "for three shorelines at once. In a region where hazards travel this easily, "
                "no rescue service can plan as if it stood alone.</p>"
                "<p>Working together across borders also saves money. Specialist resources such "
                "as heavy pumping units, water bombers or chemical-response teams are expensive "
                "to keep. When neighbours know what the others hold and how to ask for it, each "
                "country can rely on a shared pool instead of buying everything itself.</p>"
            ),
            callout(
                "Remember",
                "<p>Mutual assistance works best when it has been rehearsed. The time to agree "
                "on contacts, procedures and costs is before the emergency, not during it.</p>",
                tone="tip",
            ),
        ),
        section(
            "The networks that make it work",
            paragraph(
                "<p>Several standing structures connect the region's authorities:</p>"
                "<ul>"
                "<li>The <b>Civil Protection Network</b> of the Council of the Baltic Sea "
                "States gathers the heads of the civil-protection agencies of all eleven "
                "member states once a year. They compare what each country is working on and "
                "agree joint steps, set out in their joint position on closer cooperation in "
                "civil protection.</li>"
                "<li><b>Border Control Cooperation</b> links border guards, coast guards and "
                "police, and a regional task force of senior police and customs officials "
                "works against organised crime that crosses borders.</li>"
                "<li><b>Policy Area Secure</b> of the EU Strategy for the Baltic Sea Region "
                "turns shared priorities into joint projects, such as common exercises for "
                "accidents in ports and at sea.</li>"
                "<li>The <b>EU Civil Protection Mechanism</b> lets a country that is "
                "overwhelmed request teams and equipment from other participating states.</li>"
                "</ul>"
            ),
            paragraph(
                "<p>One of the region's oldest agreements shows the value of routine: since "
                "the early 2000s the member states have exchanged monitoring data on "
                "radioactivity in air, soil and water, so that a rise in one country is seen "
                "by all its neighbours at once.</p>"
            ),
        ),
        scenario(
            "Flood on a border river",
            "<p>After five days of heavy rain a river that forms the border between two member "
            "states is about to burst its banks. Your municipality, on one side, has two "
            "pumping units and fifty volunteers. The town across the river has asked your "
            "duty officer, informally by phone, whether you could lend them a pump. Upstream, "
            "a dam operator warns that water will have to be released within twelve hours.</p>",
            [
                (
                    "Do you send a pump across the river now, or wait for a formal request?",
                    "Your own risk over the next twelve hours; who pays and who is liable; "
                    "whether your crews can work under the other country's command.",
                ),
                (
                    "Whom do you inform, in your own country and across the border?",
                    "The national contact point, the regional command, the dam operator, "
                    "the police on both sides.",
                ),
                (
                    "How will both sides keep the same picture of the situation?",
                    "A shared map, a joint liaison officer, one language for radio traffic.",
                ),
            ],
            "<p>Informal help between neighbours is fast and often decisive, but it is "
            "fragile: crews may lack insurance abroad, radios may not talk to each other and "
            "nobody may know who is in charge. Towns that have a written agreement, known "
            "contacts and a joint exercise behind them can act within minutes and still stay "
            "within the rules. The release of water upstream also shows why the earliest "
            "possible shared picture matters more than any single resource.</p>",
        ),
        quiz(
            question(
                "Why do the member states prepare mutual assistance before an emergency?",
                option(
                    "So that contacts, procedures and costs are agreed when time is short",
                    True,
                    "Right: a request that follows a rehearsed procedure is answered in "
                    "minutes, not days.",
                ),
                option(
                    "Because help can only be requested once a year",
                    False,
                    "No: help can be requested at any time; the yearly meeting is for planning.",
                ),
                option(
                    "So that each country can stop keeping its own rescue services",
                    False,
                    "No: sharing scarce specialist resources complements national services, "
                    "it does not replace them.",
                ),
            ),
            question(
                "Which of these connect authorities across the Baltic Sea Region? Tick all "
                "that apply.",
                option(
                    "The Civil Protection Network of the Council of the Baltic Sea States",
                    True,
                    "Yes: it brings together the heads of civil protection of all member "
                    "states every year.",
                ),
                option(
                    "Border Control Cooperation between border guards, coast guards and police",
                    True,
                    "Yes: it links the services that guard the region's land and sea borders.",
                ),
                option(
                    "Policy Area Secure of the EU Strategy for the Baltic Sea Region",
                    True,
                    "Yes: it turns shared priorities into joint projects and exercises.",
                ),
                option(
                    "A private insurance pool for fire brigades",
                    False,
                    "No: this is not one of the region's cooperation structures.",
                ),
                multiple=True,
            ),
            question(
                "What does the long-standing agreement on radiation data let member states do?",
                option(
                    "See a rise in radioactivity in a neighbouring country as soon as it occurs",
                    True,
                    "Right: the data on air, soil and water are shared continuously.",
                ),
                option(
                    "Run each other's nuclear power plants",
                    False,
                    "No: the agreement is about monitoring and sharing data.",
                ),
                option(
                    "Close borders automatically after an incident",
                    False,
                    "No: decisions stay with each country; the agreement provides the facts.",
                ),
            ),
        ),
        reflection(
            "Think of the authority across the nearest border that does the same work as you. "
            "Do you know whom to call there tonight, and what would you need to agree with "
            "them before you could send or receive help?"
        ),
    ],
}

BEP_SENDAI = {
    "slug": "sendai-framework",
    "title": "The Sendai Framework and disaster risk reduction",
    "summary": (
        "The global framework for reducing disaster risk, its four priorities and what they "
        "mean for a regional or municipal civil-protection leader facing a changing climate."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Summarise the aim and the four priorities for action of the Sendai Framework.</li>"
        "<li>Tell the difference between managing a disaster and reducing its risk.</li>"
        "<li>Relate climate adaptation in towns and cities to the framework.</li>"
        "<li>Identify one risk-reduction measure your organisation could lead.</li>"
        "</ul>"
    ),
    "estimated_minutes": 40,
    "requires": "cross-border-cooperation",
    "lessons": [
        section(
            "From responding to reducing",
            paragraph(
                "<p>For a long time civil protection was measured by how fast crews arrived. "
                "The Sendai Framework for Disaster Risk Reduction, agreed by the member states "
                "of the United Nations in 2015 and running until 2030, shifts the attention "
                "earlier: to the decisions that create or remove risk long before anything "
                "happens. Where we build, how we maintain dykes and power lines, who knows what "
                "to do when the siren sounds: these shape the size of a disaster as much as "
                "the response does.</p>"
            ),
            paragraph(
                "<p>The framework sets four priorities for action:</p>"
                "<ol>"
                "<li><b>Understanding disaster risk</b>: hazards, exposure and vulnerability, "
                "assessed and shared.</li>"
                "<li><b>Strengthening disaster-risk governance</b>: clear roles across "
                "ministries, regions, municipalities and civil society.</li>"
                "<li><b>Investing in risk reduction</b> for resilience, from land-use planning "
                "to robust infrastructure.</li>"
                "<li><b>Enhancing preparedness</b> for effective response, and building back "
                "better during recovery.</li>"
                "</ol>"
            ),
        ),
        section(
            "The framework in the Baltic Sea Region",
            paragraph(
                "<p>The member states have made combining their national work on the "
                "framework one of the priorities of their civil-protection cooperation. "
                "Earlier regional projects mapped risk scenarios for the main hazards "
                "(winter storms, floods, forest fires and nuclear accidents) and went on to "
                "compare how well each country could manage them. Several countries drew on "
                "that work when writing their national risk assessments.</p>"
                "<p>More recent work brings the framework down to the level of towns and "
                "cities: existing methods of risk assessment are adapted to a changing "
                "climate and taught to the municipal officials who are responsible for civil "
                "protection, so that local plans and national strategies speak the same "
                "language.</p>"
            ),
            quote(
                "We used to plan for the last flood. Now we plan for the one the climate "
                "models tell us to expect.",
                "A municipal emergency planner",
            ),
        ),
        scenario(
            "A new housing district on the flood plain",
            "<p>Your city council wants to approve a new housing district on low land near "
            "the river mouth. The developer points out that the area has not flooded for "
            "forty years. Your rescue service has been asked for an opinion within two "
            "weeks.</p>",
            [
                (
                    "What information do you need to give a sound opinion?",
                    "Climate projections for sea level and rainfall, drainage capacity, "
                    "evacuation routes, where people who need help to leave would live.",
                ),
                (
                    "Which of the four priorities does your opinion serve?",
                    "Understanding risk, governance, investment; perhaps all three.",
                ),
                (
                    "Whom would you involve beyond your own service?",
                    "Planners, the water utility, the regional authority, residents.",
                ),
            ],
            "<p>Forty dry years say little about the next forty when sea levels and rainfall "
            "are changing. A rescue service that brings evidence into the planning decision "
            "reduces risk far more cheaply than one that only prepares to evacuate the "
            "district later. This is the heart of the Sendai approach: risk is created by "
            "decisions, so it can be reduced by decisions.</p>",
        ),
        quiz(
            question(
                "What is the main shift the Sendai Framework asks of civil protection?",
                option(
                    "From managing disasters to reducing the risk of them",
                    True,
                    "Right: the framework focuses on decisions that create or remove risk.",
                ),
                option(
                    "From national to purely local responsibility",
                    False,
                    "No: it asks every level of government to play its part.",
                ),
                option(
                    "From public services to private insurance",
                    False,
                    "No: insurance can help, but the framework is about reducing risk itself.",
                ),
            ),
            question(
                "Which of these are among the framework's four priorities for action? Tick "
                "all that apply.",
                option(
                    "Understanding disaster risk",
                    True,
                    "Yes: this is the first priority.",
                ),
                option(
                    "Strengthening disaster-risk governance",
                    True,
                    "Yes: clear roles across sectors and levels are the second priority.",
                ),
                option(
                    "Enhancing preparedness and building back better",
                    True,
                    "Yes: this is the fourth priority.",
                ),
                option(
                    "Reducing the number of rescue stations",
                    False,
                    "No: the framework says nothing of the kind.",
                ),
                multiple=True,
            ),
            question(
                "In the housing scenario, why is forty years without a flood weak evidence?",
                option(
                    "Because the climate is changing, so the past is a poor guide to future floods",
                    True,
                    "Right: projections, not only records, must inform the decision.",
                ),
                option(
                    "Because floods happen exactly every fifty years",
                    False,
                    "No: floods follow no fixed calendar.",
                ),
                option(
                    "Because rescue services never give opinions on planning",
                    False,
                    "No: bringing evidence into planning is exactly what the framework asks.",
                ),
            ),
            question(
                "At which level is the region's recent work bringing risk assessment?",
                option(
                    "Towns and cities, through training for municipal officials",
                    True,
                    "Right: local plans and national strategies should use the same methods.",
                ),
                option(
                    "Only the United Nations",
                    False,
                    "No: the framework is global, but the work described is local.",
                ),
                option(
                    "Private households only",
                    False,
                    "No: households matter, but the training targets municipal officials.",
                ),
            ),
            pass_mark=75,
        ),
        reflection(
            "Name one decision taken in your area in the last year that increased or reduced "
            "disaster risk. Who took it, and was civil protection asked for its view?"
        ),
    ],
}

BEP_LEADERSHIP = {
    "slug": "crisis-leadership",
    "title": "Leading in a crisis",
    "summary": (
        "What senior leaders do in the first hours of a crisis that crosses organisational "
        "and national borders: making sense of the situation, deciding, coordinating and "
        "communicating."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Describe the core tasks of strategic crisis leadership.</li>"
        "<li>Explain why trust built before a crisis speeds up decisions during it.</li>"
        "<li>Apply a simple routine for decisions under uncertainty.</li>"
        "</ul>"
    ),
    "estimated_minutes": 35,
    "lessons": [
        section(
            "The strategic leader's tasks",
            paragraph(
                "<p>In a large crisis the strategic leader rarely commands crews. Their work "
                "is to make sense of a confusing situation, take the decisions only they can "
                "take, coordinate with partners who do not report to them, and explain to the "
                "public and to politicians what is happening and why. Afterwards they lead "
                "the learning.</p>"
                "<p>Most of this depends on relationships. A leader who already knows the "
                "police chief, the regional health director and the counterpart across the "
                "border will pick up the phone without hesitation; a leader who meets them for "
                "the first time in the crisis room loses hours.</p>"
            ),
            callout(
                "A routine for deciding under uncertainty",
                "<ol><li>What do we know, and what do we not know?</li>"
                "<li>What could happen next, at worst and most likely?</li>"
                "<li>What must be decided now, and what can wait?</li>"
                "<li>Who needs to know, and who will say it?</li></ol>",
            ),
        ),
        scenario(
            "Power cut in winter",
            "<p>A winter storm has left large parts of two regions without electricity. "
            "The grid operator expects repairs to take at least three days. Temperatures are "
            "falling below minus fifteen, mobile networks are failing as batteries run down, "
            "and care homes are calling for help.</p>",
            [
                (
                    "What are your first three decisions?",
                    "Protecting the most vulnerable, fuel for generators, warming centres, "
                    "keeping communications alive.",
                ),
                (
                    "How will you reach people when the mobile network is down?",
                    "Radio broadcasts, door-to-door visits by volunteers, notices at shops "
                    "and fuel stations.",
                ),
            ],
            "<p>Long power cuts cascade: water, heating, payments, communications and care all "
            "depend on electricity. Leaders who had listed their critical dependants, agreed "
            "generator priorities and planned low-tech ways of reaching residents made calm "
            "decisions; the others improvised under pressure.</p>",
        ),
        quiz(
            question(
                "What is the strategic leader's main work in a large crisis?",
                option(
                    "Sense-making, key decisions, coordination and communication",
                    True,
                    "Right: crews are led by their own commanders.",
                ),
                option(
                    "Driving the first fire engine to the scene",
                    False,
                    "No: that is the task of operational crews.",
                ),
                option(
                    "Waiting until all the facts are known before acting",
                    False,
                    "No: waiting for certainty usually means deciding too late.",
                ),
            ),
            question(
                "Which of these help a leader decide under uncertainty? Tick all that apply.",
                option(
                    "Separating what we know from what we do not know",
                    True,
                    "Yes: it keeps assumptions visible.",
                ),
                option(
                    "Thinking through the worst and the most likely developments",
                    True,
                    "Yes: it shows which decisions cannot wait.",
                ),
                option(
                    "Deciding who will tell the public",
                    True,
                    "Yes: communication is part of the decision.",
                ),
                option(
                    "Keeping the decision to yourself until it succeeds",
                    False,
                    "No: partners need to know early to act in step.",
                ),
                multiple=True,
            ),
            question(
                "Why does trust built before a crisis matter?",
                option(
                    "Leaders who already know each other coordinate faster",
                    True,
                    "Right: this is why the programme builds a network of peers.",
                ),
                option(
                    "It removes the need for written plans",
                    False,
                    "No: trust and plans support each other.",
                ),
                option(
                    "It guarantees that no mistakes are made",
                    False,
                    "No: it makes mistakes easier to spot and correct together.",
                ),
            ),
        ),
        reflection(
            "Which three people outside your own organisation would you most need in the "
            "first hour of a major crisis? When did you last speak to each of them?"
        ),
    ],
}

# --- NEEDS ---------------------------------------------------------------------------------------

NEEDS_KNOWLEDGE = {
    "slug": "knowledge-needs",
    "title": "Identifying knowledge needs in societal security",
    "summary": (
        "How to find out what practitioners in rescue services, police and municipalities "
        "really need to know, and how to turn those needs into education and training."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Explain what a mismatch between education and the needs of the field looks "
        "like.</li>"
        "<li>Choose suitable methods to collect knowledge needs from practitioners.</li>"
        "<li>Turn a knowledge need into a learning outcome and an activity.</li>"
        "</ul>"
    ),
    "estimated_minutes": 40,
    "lessons": [
        section(
            "Mind the gap",
            paragraph(
                "<p>Universities and training colleges prepare the people who will work in "
                "societal security, but the field changes quickly: pandemics, a war close to "
                "the region, climate extremes and new technology all bring new tasks. When "
                "courses follow yesterday's priorities, graduates arrive with knowledge the "
                "field no longer needs and without skills it urgently lacks.</p>"
                "<p>Needs-based education turns the question round. It starts from what "
                "practitioners do and struggle with, and designs learning backwards from "
                "there. The aim is a next generation of professionals whose studies are "
                "relevant, specific to their field and up to date.</p>"
            ),
        ),
        section(
            "Methods for finding needs",
            paragraph(
                "<ul>"
                "<li><b>Interviews and focus groups</b> with practitioners at different "
                "levels, from duty officers to directors.</li>"
                "<li><b>Lessons from exercises and real events</b>: evaluation reports show "
                "where knowledge was missing when it mattered.</li>"
                "<li><b>Surveys</b> across countries, so that national differences become "
                "visible.</li>"
                "<li><b>Joint forums</b> where practitioners, researchers and companies meet "
                "regularly and test solutions together.</li>"
                "</ul>"
            ),
            callout(
                "Good practice",
                "<p>Ask about tasks and situations, not about course titles. "
                '<i>"What did you not know during the last flood?"</i> gives better answers '
                'than <i>"Which course would you like?"</i></p>',
                tone="tip",
            ),
        ),
        scenario(
            "Redesigning a module on evacuation",
            "<p>A university course on evacuation planning has not changed in eight years. "
            "After a regional exercise, several municipalities report that their staff could "
            "not plan for residents who need help to move, and that warnings did not reach "
            "people who do not speak the local language.</p>",
            [
                (
                    "How do you confirm that these are real, shared needs?",
                    "Evaluation reports, interviews in other municipalities, a short survey.",
                ),
                (
                    "What would the new learning outcomes be?",
                    "Planning for people with reduced mobility; multilingual warnings.",
                ),
                (
                    "Who should help teach the new content?",
                    "Practitioners from the exercise, care services, migrant organisations.",
                ),
            ],
            "<p>Exercise findings are a rich source of needs, but one event can mislead. "
            "Checking them with other practitioners before changing the course makes the new "
            "content robust. Bringing practitioners into the classroom keeps it current long "
            "after the redesign.</p>",
        ),
        quiz(
            question(
                "What is a mismatch in societal-security education?",
                option(
                    "Courses that no longer match what practitioners need to know",
                    True,
                    "Right: needs-based education starts from the field.",
                ),
                option(
                    "Two courses taught in different languages",
                    False,
                    "No: language is not the issue here.",
                ),
                option(
                    "A course with too many participants",
                    False,
                    "No: the mismatch is about content, not size.",
                ),
            ),
            question(
                "Which are good sources of knowledge needs? Tick all that apply.",
                option(
                    "Evaluation reports from exercises and real events",
                    True,
                    "Yes: they show where knowledge was missing.",
                ),
                option(
                    "Interviews with practitioners at several levels",
                    True,
                    "Yes: needs differ between duty officers and directors.",
                ),
                option(
                    "The titles of last year's courses",
                    False,
                    "No: they show what was offered, not what is needed.",
                ),
                multiple=True,
            ),
            question(
                "Which question gathers the most useful needs?",
                option(
                    "What did you not know during the last flood?",
                    True,
                    "Right: it asks about a real task and situation.",
                ),
                option(
                    "Which course would you like?",
                    False,
                    "Less useful: people choose from what they already know exists.",
                ),
                option(
                    "Are you happy with your training?",
                    False,
                    "Less useful: a yes or no says little about what to change.",
                ),
            ),
        ),
        reflection(
            "Recall a moment in your work when you lacked knowledge you needed. How could a "
            "course have prepared you for it?"
        ),
    ],
}

NEEDS_CBRNE = {
    "slug": "cbrne-critical-infrastructure",
    "title": "CBRNE preparedness and protecting critical infrastructure",
    "summary": (
        "Chemical, biological, radiological, nuclear and explosive threats, the "
        "infrastructure society depends on, and why protecting it takes physical security, "
        "staff and cyber-security working together."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Explain what CBRNE stands for and give an example of each kind of threat.</li>"
        "<li>List the main kinds of critical infrastructure and their dependencies.</li>"
        "<li>Describe the three layers of protection of a CBRN facility.</li>"
        "<li>Explain why information must flow within a country and across borders.</li>"
        "</ul>"
    ),
    "estimated_minutes": 50,
    "lessons": [
        section(
            "What CBRNE covers",
            paragraph(
                "<p>CBRNE groups together chemical, biological, radiological, nuclear and "
                "explosive threats. They range from accidents (a chemical leak in a port, "
                "contaminated food in a supply chain) to deliberate attacks such as a "
                "so-called dirty bomb that spreads radioactive material with explosives. "
                "Strengthening cooperation across sectors on CBRNE preparedness is one of the "
                "priorities of the member states, and European policy aims to make "
                "unauthorised access to dangerous materials as hard as possible.</p>"
            ),
            callout(
                "Why cooperation across sectors",
                "<p>No single service owns a CBRNE incident. Fire and rescue, police, health, "
                "radiation and chemical experts, customs and the operator of the facility "
                "each hold a piece of the picture.</p>",
            ),
        ),
        section(
            "Critical infrastructure and cascading effects",
            paragraph(
                "<p>Critical infrastructure is what society cannot do without: electricity, "
                "transport, water and financial systems, and crowded public places that are "
                "easy targets. These systems depend on each other. A failure of the power "
                "grid stops water pumps, payment terminals and railway signalling within "
                "hours.</p>"
                "<p>For that reason an approach that looks at one hazard at a time is not "
                "enough. Planning should consider many hazards together and ask what happens "
                "next when one system fails.</p>"
            ),
            paragraph(
                "<p>Facilities that hold CBRN materials need three layers of protection that "
                "work as one: <b>physical protection</b> (fences, barriers, detection), "
                "<b>security</b> (staff vetting, access control, guarding) and "
                "<b>cyber-security</b> (control systems and data). Exercises in which the "
                "people responsible for all three layers practise together often reveal that "
                "each assumed another would raise the alarm.</p>"
            ),
        ),
        scenario(
            "Alarm at a chemical terminal",
            "<p>At night the control room of a port chemical terminal sees a pressure drop in "
            "a chlorine line. At the same time the guards report a cut in the perimeter "
            "fence, and the IT team notices unusual log-ins to the control system.</p>",
            [
                (
                    "Is this an accident, an attack, or both? What do you do before you know?",
                    "Protective actions for the neighbourhood, isolating the line, police "
                    "involvement, preserving evidence.",
                ),
                (
                    "Who must be told, inside the country and abroad?",
                    "Rescue service, police, the national CBRN authority, neighbouring "
                    "states if a plume may cross the border or the sea.",
                ),
            ],
            "<p>Three separate signals, seen by three separate teams, made sense only when "
            "put together. Facilities that had joint procedures for physical, staff and "
            "cyber security recognised the pattern quickly. Because a chlorine plume can "
            "cross a strait within hours, early warning of neighbouring countries is part of "
            "the response, not a courtesy.</p>",
        ),
        quiz(
            question(
                "What does the E in CBRNE stand for?",
                option(
                    "Explosive",
                    True,
                    "Right: chemical, biological, radiological, nuclear and explosive.",
                ),
                option(
                    "Environmental",
                    False,
                    "No: environmental damage can follow, but E stands for explosive.",
                ),
                option(
                    "Emergency",
                    False,
                    "No: E stands for explosive.",
                ),
            ),
            question(
                "Which layers of protection should a CBRN facility combine? Tick all that apply.",
                option(
                    "Physical protection",
                    True,
                    "Yes: fences, barriers and detection.",
                ),
                option(
                    "Security of people and access",
                    True,
                    "Yes: vetting, access control and guarding.",
                ),
                option(
                    "Cyber-security",
                    True,
                    "Yes: control systems are a way in as well.",
                ),
                option(
                    "Advertising the site's location",
                    False,
                    "No: that would not protect anything.",
                ),
                multiple=True,
            ),
            question(
                "Why is planning one hazard at a time not enough for critical infrastructure?",
                option(
                    "Because systems depend on each other, so one failure cascades into others",
                    True,
                    "Right: a power failure quickly affects water, transport and payments.",
                ),
                option(
                    "Because hazards never happen one at a time",
                    False,
                    "Not quite: single hazards happen, but their effects spread.",
                ),
                option(
                    "Because critical infrastructure is always private",
                    False,
                    "No: ownership varies and is not the reason.",
                ),
            ),
            question(
                "In the terminal scenario, why warn neighbouring countries early?",
                option(
                    "A plume can cross the border or the sea within hours",
                    True,
                    "Right: early warning is part of the response.",
                ),
                option(
                    "Because they must approve the response",
                    False,
                    "No: the response stays with the country where it happens.",
                ),
                option(
                    "Only to avoid bad press",
                    False,
                    "No: the reason is the safety of people across the border.",
                ),
            ),
            pass_mark=75,
        ),
        reflection(
            "Which piece of critical infrastructure in your area would hurt most if it "
            "failed for three days? Who protects it, and do you know them?"
        ),
    ],
}

# --- Secure Kids --------------------------------------------------------------------------------

KIDS_PARTICIPATION = {
    "slug": "child-participation",
    "title": "Children's participation in safety decisions",
    "summary": (
        "Why children and young people have a right to be heard on safety, and how "
        "municipalities, schools and rescue services can involve them in a meaningful and "
        "safe way."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Explain children's right to express their views on matters that affect "
        "them.</li>"
        "<li>Tell meaningful participation from tokenism.</li>"
        "<li>Plan a participation activity that is safe, inclusive and leads to "
        "feedback.</li>"
        "</ul>"
    ),
    "estimated_minutes": 35,
    "lessons": [
        section(
            "Why ask children?",
            paragraph(
                "<p>As floods, storms and heatwaves grow more frequent and more intense, "
                "children and young people are among those most affected. The United Nations "
                "Convention on the Rights of the Child gives every child the right to express "
                "their views on matters that affect them, and to have those views taken "
                "seriously. Safety plans for schools, neighbourhoods and towns are such "
                "matters.</p>"
                "<p>There is a practical reason too. Children see their surroundings "
                "differently: they know the shortcut across the railway, the playground that "
                "floods, the friend who would not understand a warning. Plans made with them "
                "are better plans.</p>"
            ),
        ),
        section(
            "What makes participation meaningful",
            paragraph(
                "<p>Four conditions help:</p>"
                "<ul>"
                "<li><b>Space</b>: a safe, welcoming setting where children can speak.</li>"
                "<li><b>Voice</b>: information in a form they understand, and help to form "
                "their views.</li>"
                "<li><b>Audience</b>: someone with the power to act is listening.</li>"
                "<li><b>Influence</b>: their views are acted on where possible, and they are "
                "told what happened and why.</li>"
                "</ul>"
                "<p>Participation without the last two is tokenism: children are asked, but "
                "nothing changes and nobody tells them.</p>"
            ),
            callout(
                "Safeguarding",
                "<p>Every activity with children needs trained adults, consent from parents "
                "or guardians where the law requires it, and a plan for a child who becomes "
                "upset when talking about emergencies.</p>",
                tone="warning",
            ),
        ),
        scenario(
            "A children's panel on the municipal emergency plan",
            "<p>Your municipality is revising its emergency plan and wants to hear from "
            "children. The deadline is in six weeks. A youth council exists, but most of its "
            "members are sixteen or seventeen.</p>",
            [
                (
                    "How do you reach younger children and those who are seldom heard?",
                    "Schools, clubs, children with disabilities, children who have recently "
                    "arrived in the country.",
                ),
                (
                    "How do you explain the plan so that a ten-year-old can comment on it?",
                    "Maps, pictures, short scenarios, a visit from a rescue officer.",
                ),
                (
                    "What will you tell the children after the plan is adopted?",
                    "Which suggestions were used, which were not, and why.",
                ),
            ],
            "<p>A youth council is a good start but rarely speaks for younger children or "
            "those on the margins. Going to where children already are and using concrete "
            "material makes the plan understandable. Reporting back closes the loop: "
            "children who see their ideas taken seriously stay involved.</p>",
        ),
        quiz(
            question(
                "Which conditions make children's participation meaningful? Tick all that apply.",
                option(
                    "A safe space where children can speak",
                    True,
                    "Yes: without it many children stay silent.",
                ),
                option(
                    "Someone with the power to act is listening",
                    True,
                    "Yes: this is the audience.",
                ),
                option(
                    "Children are told what happened to their ideas",
                    True,
                    "Yes: feedback is part of influence.",
                ),
                option(
                    "Only the most confident children are invited",
                    False,
                    "No: participation should include children who are seldom heard.",
                ),
                multiple=True,
            ),
            question(
                "What is tokenism?",
                option(
                    "Children are asked for their views, but nothing changes and nobody tells them",
                    True,
                    "Right: it can do more harm than not asking at all.",
                ),
                option(
                    "Children receive a small gift for taking part",
                    False,
                    "No: a thank-you is fine; tokenism is about ignoring their views.",
                ),
                option(
                    "Children run the emergency service",
                    False,
                    "No: participation means being heard, not taking over adults' duties.",
                ),
            ),
            question(
                "Why involve children in safety planning, beyond their rights?",
                option(
                    "They notice risks and needs that adults overlook",
                    True,
                    "Right: their knowledge makes plans better.",
                ),
                option(
                    "It replaces the need for adult planners",
                    False,
                    "No: adults remain responsible for the plan.",
                ),
                option(
                    "It is required only during school holidays",
                    False,
                    "No: there is no such rule.",
                ),
            ),
        ),
        reflection(
            "When were children last asked about a safety decision in your organisation or "
            "community? Were they told what happened to their views?"
        ),
    ],
}

KIDS_PREPARING = {
    "slug": "preparing-children-for-emergencies",
    "title": "Preparing children and young people for emergencies",
    "summary": (
        "Practical, age-appropriate ways to help children know what to do when an "
        "emergency happens at school, at home or outdoors, without making them afraid."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Describe what children of different ages can learn about emergencies.</li>"
        "<li>Help a family prepare a home emergency kit and plan.</li>"
        "<li>Respond calmly to children's fears during and after an emergency.</li>"
        "</ul>"
    ),
    "estimated_minutes": 30,
    "lessons": [
        section(
            "Knowing what to do reduces fear",
            paragraph(
                "<p>Children who have practised what to do feel safer, not more anxious. Drills "
                "at school, a family plan with a meeting place and knowing the European "
                "emergency number 112 give them something to hold on to. The message should "
                "match their age: young children learn a few simple actions, teenagers can "
                "understand risks and help others.</p>"
            ),
            paragraph(
                "<p>A home emergency kit lets a household manage on its own for about three "
                "days. Children can help pack it:</p>"
                "<ul>"
                "<li>drinking water and food that keeps,</li>"
                "<li>a torch, a battery radio and spare batteries,</li>"
                "<li>medicines, a first-aid kit and copies of important papers,</li>"
                "<li>warm clothes, blankets and something to do: a book, a game.</li>"
                "</ul>"
            ),
            callout(
                "Warnings everyone understands",
                "<p>Children who have recently arrived may not read the local language. "
                "Pictures, simple words and warnings in several languages reach more "
                "families.</p>",
                tone="tip",
            ),
        ),
        scenario(
            "Evacuating a school during a storm",
            "<p>A severe storm is forecast for the afternoon. The municipality advises "
            "schools to send pupils home early, but some parents cannot be reached and the "
            "buses are delayed.</p>",
            [
                (
                    "Who stays at school, and with whom?",
                    "A list of pupils not yet collected; enough adults; a safe room.",
                ),
                (
                    "How do you keep the children calm?",
                    "Explain simply what is happening; keep routines; give tasks to older pupils.",
                ),
            ],
            "<p>Schools that had agreed with families in advance how pupils would be "
            "collected, and that had practised the plan, handled the afternoon calmly. Older "
            "pupils who were given a role, such as reading to younger ones, were calmer "
            "themselves.</p>",
        ),
        quiz(
            question(
                "Does practising what to do in an emergency make children more anxious?",
                option(
                    "No, knowing what to do usually makes children feel safer",
                    True,
                    "Right: practice gives them something to hold on to.",
                ),
                option(
                    "Yes, children should not hear about emergencies",
                    False,
                    "No: silence leaves children to imagine the worst.",
                ),
                option(
                    "Only teenagers can learn anything useful",
                    False,
                    "No: young children can learn simple actions.",
                ),
            ),
            question(
                "What belongs in a home emergency kit? Tick all that apply.",
                option("Drinking water and food that keeps", True, "Yes: for about three days."),
                option(
                    "A battery radio and a torch",
                    True,
                    "Yes: they work when the power and mobile network are down.",
                ),
                option(
                    "Medicines and a first-aid kit",
                    True,
                    "Yes: pharmacies may be closed.",
                ),
                option(
                    "A games console that needs mains power",
                    False,
                    "No: choose activities that work without electricity.",
                ),
                multiple=True,
            ),
            question(
                "What is the European emergency number?",
                option("112", True, "Right: it works across the European Union."),
                option("999 everywhere", False, "No: 999 works in some countries only."),
                option("There is none", False, "No: 112 works across the European Union."),
            ),
        ),
        reflection(
            "If an emergency happened during a school day, how would the children you work "
            "with know what to do? What is one thing you could practise with them?"
        ),
    ],
}

# --- BYFORES ------------------------------------------------------------------------------------

BYFORES_VOLUNTEERS = {
    "slug": "volunteers-and-local-authorities",
    "title": "Volunteers and local authorities working together",
    "summary": (
        "How municipalities and volunteer organisations plan, train and work together so "
        "that volunteers strengthen the response instead of adding to the confusion."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Tell organised volunteers from spontaneous ones and explain what each "
        "needs.</li>"
        "<li>Describe how volunteers can be written into plans and procedures.</li>"
        "<li>Plan the briefing, safety and debriefing of volunteers.</li>"
        "</ul>"
    ),
    "estimated_minutes": 40,
    "lessons": [
        section(
            "All hands on deck",
            paragraph(
                "<p>When a crisis strikes, the authorities alone are rarely enough. Volunteers "
                "fill sandbags, search for missing people, run reception centres and check on "
                "older neighbours. The member states have made involving local authorities "
                "and civil-society organisations one of the priorities of their cooperation, "
                "and a regional network of volunteers and local authorities has worked to "
                "clarify the role of volunteers in laws, plans and procedures.</p>"
            ),
            paragraph(
                "<p>Two groups need different handling:</p>"
                "<ul>"
                "<li><b>Organised volunteers</b> belong to a volunteer fire brigade, a "
                "first-aid or search-and-rescue organisation. They are trained, insured and "
                "used to a command structure.</li>"
                "<li><b>Spontaneous volunteers</b> turn up on the day to help. They bring "
                "energy and local knowledge but need registration, a task, a briefing and "
                "supervision.</li>"
                "</ul>"
            ),
        ),
        section(
            "Planning before the crisis",
            paragraph(
                "<p>Municipalities that work well with volunteers agree in advance which "
                "tasks volunteers may take on, who leads them, how they are insured, how "
                "they are called out and where spontaneous helpers report. They exercise "
                "together at least once a year, so that faces and procedures are known.</p>"
            ),
            quote(
                "The best thing we did was invite the volunteer brigade to our planning "
                "meetings. In the flood they already knew the plan.",
                "A municipal civil-protection officer",
            ),
        ),
        scenario(
            "Two hundred helpers at the town hall",
            "<p>News of a flood spreads on social media and two hundred people arrive at the "
            "town hall wanting to help. The organised volunteers are already busy on the "
            "dykes, and the municipal crisis team has not planned for spontaneous "
            "helpers.</p>",
            [
                (
                    "What do you do in the first hour?",
                    "A reception point, registration, a simple briefing, sending some home "
                    "to come back later.",
                ),
                (
                    "Which tasks are suitable, and which are not?",
                    "Filling sandbags and serving food, yes; working on unstable dykes, no.",
                ),
                (
                    "How do you make sure everyone goes home safe?",
                    "Shifts, rest, a check-out list, a debrief and a thank-you.",
                ),
            ],
            "<p>Unmanaged goodwill can become a second emergency. A reception point, "
            "registration and clear, safe tasks turn spontaneous helpers into a resource. "
            "Municipalities that had agreed these steps with volunteer organisations could "
            "hand the job to them and concentrate on the flood.</p>",
        ),
        quiz(
            question(
                "What do spontaneous volunteers need from the authorities? Tick all that apply.",
                option(
                    "Registration, so that everyone is accounted for",
                    True,
                    "Yes: you need to know who is on site.",
                ),
                option(
                    "A clear task and a briefing",
                    True,
                    "Yes: it keeps them safe and useful.",
                ),
                option(
                    "Supervision by someone with experience",
                    True,
                    "Yes: organised volunteers can often provide it.",
                ),
                option(
                    "Access to the most dangerous work, to use their energy",
                    False,
                    "No: dangerous tasks belong to trained crews.",
                ),
                multiple=True,
            ),
            question(
                "What is the main difference between organised and spontaneous volunteers?",
                option(
                    "Organised volunteers are trained, insured and used to a command structure",
                    True,
                    "Right: spontaneous helpers need these provided on the day.",
                ),
                option(
                    "Spontaneous volunteers are always more skilled",
                    False,
                    "No: skills vary; what they lack is preparation and structure.",
                ),
                option(
                    "Only organised volunteers may help in a crisis",
                    False,
                    "No: spontaneous helpers can be a real resource if well managed.",
                ),
            ),
            question(
                "When is the best time to agree how volunteers will be used?",
                option(
                    "Before the crisis, in plans and joint exercises",
                    True,
                    "Right: in a crisis there is no time to invent procedures.",
                ),
                option(
                    "When the first volunteers arrive",
                    False,
                    "Too late: the crisis team will be busy with the emergency itself.",
                ),
                option(
                    "After the crisis, in the evaluation",
                    False,
                    "The evaluation improves the plan, but the plan must exist first.",
                ),
            ),
        ),
        reflection(
            "Which volunteer organisations work in your area? What would you need to agree "
            "with them before the next emergency?"
        ),
    ],
}

BYFORES_YOUTH = {
    "slug": "youth-in-crisis-management",
    "title": "Young people in crisis management",
    "summary": (
        "The roles young people can play in reducing disaster risk and in coping with "
        "emergencies, and how to include them safely."
    ),
    "learning_outcomes": (
        "<ul>"
        "<li>Describe roles young volunteers can take before, during and after a "
        "crisis.</li>"
        "<li>Explain the limits that keep young volunteers, especially minors, safe.</li>"
        "<li>Plan an awareness campaign designed by young people for young people.</li>"
        "</ul>"
    ),
    "estimated_minutes": 35,
    "requires": "volunteers-and-local-authorities",
    "lessons": [
        section(
            "More than helpers",
            paragraph(
                "<p>Young people are often seen only as a group to protect. Yet many are "
                "active volunteers, and they reach people of their own age in ways the "
                "authorities cannot. Regional youth projects have shown how young people can "
                "help reduce risk and cope with disasters through training, education and "
                "raising awareness among their peers.</p>"
                "<ul>"
                "<li><b>Before</b>: awareness campaigns, first-aid training, mapping risks in "
                "their area.</li>"
                "<li><b>During</b>: logistics, reception, psychological first aid, sharing "
                "trustworthy information online.</li>"
                "<li><b>After</b>: clearing up, supporting neighbours, telling what they "
                "learned.</li>"
                "</ul>"
            ),
            callout(
                "Keeping young volunteers safe",
                "<p>Minors need the consent of a parent or guardian, tasks suited to their "
                "age and an adult leader. They never work in hazardous areas and they rest "
                "between shifts.</p>",
                tone="warning",
            ),
        ),
        scenario(
            "Rumours after a chemical fire",
            "<p>A fire at a recycling plant sends smoke over the town. Within an hour, "
            "videos claiming that the water is poisoned are shared widely among teenagers. "
            "The authorities' official messages are not reaching them.</p>",
            [
                (
                    "How can young volunteers help get reliable information out?",
                    "Sharing official advice on the platforms teenagers use, in their own words.",
                ),
                (
                    "What must they check before posting?",
                    "The source, the time of the message, agreement with the crisis team.",
                ),
            ],
            "<p>Young volunteers who had agreed with the municipal crisis team how to share "
            "official information were able to correct the rumour within hours. Their "
            "credibility with peers made the message land; the agreement made sure it was "
            "accurate.</p>",
        ),
        quiz(
            question(
                "Which roles can young volunteers take on? Tick all that apply.",
                option(
                    "Running awareness campaigns for people their own age",
                    True,
                    "Yes: peers often listen to peers.",
                ),
                option(
                    "Helping at reception and with logistics",
                    True,
                    "Yes: suitable tasks with supervision.",
                ),
                option(
                    "Sharing official information online",
                    True,
                    "Yes: once it has been checked with the crisis team.",
                ),
                option(
                    "Entering a burning building alone",
                    False,
                    "No: hazardous tasks belong to trained crews.",
                ),
                multiple=True,
            ),
            question(
                "What does a volunteer under eighteen need before taking part?",
                option(
                    "The consent of a parent or guardian",
                    True,
                    "Right: and an adult leader and tasks suited to their age.",
                ),
                option(
                    "A driving licence",
                    False,
                    "No: this is not required.",
                ),
                option(
                    "Nothing; age does not matter",
                    False,
                    "No: minors need consent and extra safeguards.",
                ),
            ),
            question(
                "In the rumour scenario, what made the young volunteers' messages work?",
                option(
                    "They were trusted by their peers and had agreed the content with the "
                    "crisis team",
                    True,
                    "Right: credibility and accuracy together.",
                ),
                option(
                    "They posted as fast as possible without checking",
                    False,
                    "No: speed without checking spreads more rumours.",
                ),
                option(
                    "They repeated the rumour to argue against it",
                    False,
                    "No: repeating a rumour tends to spread it.",
                ),
            ),
        ),
        reflection(
            "What could young people in your community do to help others prepare for an "
            "emergency? Who would they need to work with?"
        ),
    ],
}

MODULES: dict[str, list[dict]] = {
    "baltic-excellence-programme": [BEP_CROSS_BORDER, BEP_SENDAI, BEP_LEADERSHIP],
    "needs": [NEEDS_KNOWLEDGE, NEEDS_CBRNE],
    "secure-kids": [KIDS_PARTICIPATION, KIDS_PREPARING],
    "byfores": [BYFORES_VOLUNTEERS, BYFORES_YOUTH],
}

# --- Activities ---------------------------------------------------------------------------------
# Dates are relative: `month` of the year after loading, starting on the first `weekday`
# (0 = Monday) of that month, for `days` days; registration closes `closes_weeks_before`.

ACTIVITIES: list[dict] = [
    {
        "programme": "needs",
        "slug": "cbrn-physical-protection-workshop",
        "title": "Protecting CBRN critical infrastructure: exchange of good practice",
        "kind": "workshop",
        "summary": (
            "A three-day workshop where security staff of facilities that hold chemical, "
            "biological, radiological or nuclear materials compare how they protect them."
        ),
        "description": (
            "<p>Participants from the physical protection, security and cyber-security teams "
            "of critical facilities share what works, visit a site and agree how information "
            "about threats should flow within a country and between neighbours.</p>"
            "<p>Up to two participants per country.</p>"
        ),
        "month": 3,
        "weekday": 1,
        "days": 3,
        "time_zone": "Europe/Riga",
        "venue_name": "Fire and rescue training centre",
        "venue_city": "Riga",
        "venue_country": "LV",
        "language": "en",
        "capacity": 22,
        "places_per_country": 2,
        "closes_weeks_before": 6,
        "sectors": ["fire_rescue", "police", "civil_protection", "customs", "research"],
        "agenda": [
            agenda_item(
                1,
                "09:00",
                "10:30",
                "Welcome and round of introductions",
                "Each country presents its main CBRN facilities and who protects them.",
            ),
            agenda_item(
                1,
                "11:00",
                "16:30",
                "Physical protection: barriers, detection and response",
            ),
            agenda_item(
                2,
                "09:00",
                "12:30",
                "Site visit to a port chemical terminal",
                "Protective equipment is provided at the site.",
            ),
            agenda_item(2, "13:30", "16:30", "Security of people and access; insider threats"),
            agenda_item(
                3,
                "09:00",
                "12:00",
                "Cyber-security of industrial control systems",
            ),
            agenda_item(
                3,
                "13:00",
                "15:00",
                "Sharing information across borders: conclusions",
            ),
        ],
    },
    {
        "programme": "baltic-excellence-programme",
        "slug": "storm-and-power-cut-tabletop-exercise",
        "title": "Table-top exercise: winter storm and a long power cut",
        "kind": "tabletop",
        "summary": (
            "A four-day table-top exercise in which senior leaders from every member state "
            "manage a winter storm that leaves two regions without power, then review their "
            "decisions together."
        ),
        "description": (
            "<p>Hosted by the presidency of the Civil Protection Network. Teams mix "
            "countries and sectors; each plays a role they do not hold at home.</p>"
            "<p>Up to three participants per country.</p>"
        ),
        "month": 4,
        "weekday": 0,
        "days": 4,
        "time_zone": "Europe/Helsinki",
        "venue_name": "Rescue services training centre",
        "venue_city": "Helsinki",
        "venue_country": "FI",
        "language": "en",
        "capacity": 33,
        "places_per_country": 3,
        "closes_weeks_before": 8,
        # Open to every sector: it is one of BEP 2026's own activities, and the cohort accepts
        # every sector.
        "sectors": [],
        "agenda": [
            agenda_item(1, "10:00", "12:00", "Opening and exercise briefing"),
            agenda_item(
                1,
                "13:00",
                "17:00",
                "Phase one: the storm arrives",
                "Warnings, pre-positioning and the first requests for help.",
            ),
            agenda_item(
                2,
                "09:00",
                "17:00",
                "Phase two: three days without power",
                "Cascading failures in water, heating and communications.",
            ),
            agenda_item(
                3,
                "09:00",
                "15:00",
                "Phase three: assistance from abroad and recovery",
            ),
            agenda_item(4, "09:00", "12:00", "Hot wash-up and lessons identified"),
        ],
    },
    {
        "programme": "baltic-excellence-programme",
        "slug": "study-visit-warsaw-crisis-management",
        "title": "Study visit: crisis management in a capital city",
        "kind": "study_visit",
        "summary": (
            "Three days with the crisis-management centre of a capital city and the rescue "
            "services that work with it, including how they received people fleeing a war."
        ),
        "description": (
            "<p>A small group visits the city's crisis-management centre, a fire and rescue "
            "station and a former reception point for refugees.</p>"
            "<p>One place per country.</p>"
        ),
        "month": 5,
        "weekday": 1,
        "days": 3,
        "time_zone": "Europe/Warsaw",
        "venue_name": "City crisis-management centre",
        "venue_city": "Warsaw",
        "venue_country": "PL",
        "language": "en",
        "capacity": 12,
        "places_per_country": 1,
        "closes_weeks_before": 6,
        "sectors": ["fire_rescue", "police", "civil_protection", "municipality"],
        "agenda": [
            agenda_item(1, "13:00", "17:00", "How the city organises crisis management"),
            agenda_item(2, "09:00", "12:00", "Visit to a fire and rescue station"),
            agenda_item(
                2,
                "13:30",
                "17:00",
                "Receiving people fleeing a war: what the city learned",
            ),
            agenda_item(3, "09:00", "12:00", "Discussion and take-aways for each country"),
        ],
    },
    {
        "programme": "needs",
        "slug": "webinar-education-and-the-field",
        "title": "Webinar: what the field needs from education",
        "kind": "webinar",
        "summary": (
            "Practitioners and teachers of societal security discuss where education lags "
            "behind the field, and how to close the gap."
        ),
        "description": "<p>Online, with questions from participants.</p>",
        "month": 2,
        "weekday": 2,
        "days": 1,
        "start_time": "10:00",
        "end_time": "11:30",
        "time_zone": "Europe/Copenhagen",
        "online_url": "https://meet.example.org/needs-education-and-the-field",
        "language": "en",
        "capacity": 200,
        "closes_weeks_before": 0,
        "sectors": [],
        "agenda": [
            agenda_item(1, "10:00", "10:10", "Welcome"),
            agenda_item(1, "10:10", "10:50", "Panel: three gaps we saw in the last crisis"),
            agenda_item(1, "10:50", "11:30", "Questions and discussion"),
        ],
    },
    {
        "programme": "secure-kids",
        "slug": "children-panel-facilitator-training",
        "title": "Training for facilitators of children's panels",
        "kind": "workshop",
        "summary": (
            "Two days for adults who will run children's panels and safety walks: methods, "
            "safeguarding and reporting back to children."
        ),
        "description": (
            "<p>For municipal planners, rescue-service staff, teachers and youth workers.</p>"
            "<p>Up to two participants per country.</p>"
        ),
        "month": 9,
        "weekday": 2,
        "days": 2,
        "time_zone": "Atlantic/Reykjavik",
        "venue_name": "Civil protection training centre",
        "venue_city": "Reykjavík",
        "venue_country": "IS",
        "language": "en",
        "capacity": 20,
        "places_per_country": 2,
        "closes_weeks_before": 6,
        "sectors": ["civil_protection", "fire_rescue", "municipality", "ngo", "youth"],
        "agenda": [
            agenda_item(1, "09:00", "12:00", "Why and how children take part"),
            agenda_item(1, "13:00", "16:00", "Practising a safety walk"),
            agenda_item(2, "09:00", "12:00", "Safeguarding and consent"),
            agenda_item(2, "13:00", "15:00", "Reporting back to children"),
        ],
    },
    {
        "programme": "byfores",
        "slug": "byfores-youth-camp",
        "title": "BYFORES youth camp: flood exercise with volunteers and authorities",
        "kind": "field_exercise",
        "summary": (
            "Five days of training and a flood exercise for young volunteers, with the "
            "municipal officials they would work with in a real emergency."
        ),
        "description": (
            "<p>Groups register through their leader. Participants under 18 need the consent "
            "of a parent or guardian.</p>"
            "<p>Up to four participants per country.</p>"
        ),
        "month": 7,
        "weekday": 0,
        "days": 5,
        "time_zone": "Europe/Tallinn",
        "venue_name": "Rescue service training ground",
        "venue_city": "Pärnu",
        "venue_country": "EE",
        "language": "en",
        "capacity": 40,
        "places_per_country": 4,
        "min_age": 16,
        "max_age": 25,
        "closes_weeks_before": 8,
        "sectors": ["youth", "ngo", "municipality"],
        "agenda": [
            agenda_item(1, "14:00", "18:00", "Arrival, safety briefing and teams"),
            agenda_item(2, "09:00", "17:00", "Psychological first aid"),
            agenda_item(3, "09:00", "17:00", "Flood protection and working in a command structure"),
            agenda_item(4, "08:00", "18:00", "Flood exercise with the municipal crisis team"),
            agenda_item(5, "09:00", "12:00", "Debrief and plans for each country's campaign"),
        ],
    },
]
