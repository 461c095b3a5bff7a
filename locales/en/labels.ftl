# Names of the values the API gives as codes (key: the API name).
submitter-role-RESIDENT = Resident
submitter-role-PROFESSIONAL = Professional
submitter-role-MUNICIPALITY = Municipality
submitter-role-HOUSING_CORPORATION = Housing corporation
submitter-role-RESEARCHER = Researcher
submitter-role-POLICYMAKER = Policymaker
submitter-role-OTHER = Other
submitter-role-UNKNOWN = Unknown

format-WORKSHOP = Workshop
format-WEBINAR = Webinar
format-PEER_LEARNING = Peer learning
format-FIELD_VISIT = Field visit
format-PUBLICATION = Publication
format-LEARNING_NETWORK = Learning network
format-COACHING = Coaching

status-PENDING = Awaiting a moderator
status-APPROVED = Approved
status-REJECTED = Rejected
status-DUPLICATE = Duplicate
status-HIDDEN = Hidden

speaker-role-HOST = Host
speaker-role-SPEAKER = Speaker
speaker-role-FACILITATOR = Facilitator
speaker-role-TABLE_GUEST = Table guest

session-kind-PLENARY = Plenary
session-kind-WORKSHOP = Workshop
session-kind-LEARNING_AGENDA = Learning agenda

theme-kind-LEARNING_AGENDA = Learning-agenda theme
theme-kind-TOPIC = Topic
theme-kind-PLENARY_QUESTION = Question to everyone

search-kind-SESSION = Session
search-kind-PERSON = Person
search-kind-THEME = Theme
search-kind-ORGANISATION = Organisation

# The learning-agenda report (/reports/{slug}/leeragenda).
report-chart-roles = Who asks
report-chart-formats = Preferred learning formats
