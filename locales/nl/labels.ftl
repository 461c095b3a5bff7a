# Namen van de waarden die de API als code geeft (sleutel: de API-naam).
submitter-role-RESIDENT = Bewoner
submitter-role-PROFESSIONAL = Professional
submitter-role-MUNICIPALITY = Gemeente
submitter-role-HOUSING_CORPORATION = Woningcorporatie
submitter-role-RESEARCHER = Onderzoeker
submitter-role-POLICYMAKER = Beleidsmaker
submitter-role-OTHER = Anders
submitter-role-UNKNOWN = Onbekend

format-WORKSHOP = Workshop
format-WEBINAR = Webinar
format-PEER_LEARNING = Leren van collega's
format-FIELD_VISIT = Werkbezoek
format-PUBLICATION = Publicatie
format-LEARNING_NETWORK = Leernetwerk
format-COACHING = Coaching

status-PENDING = Wacht op een moderator
status-APPROVED = Goedgekeurd
status-REJECTED = Afgewezen
status-DUPLICATE = Dubbel
status-HIDDEN = Verborgen

speaker-role-HOST = Presentator
speaker-role-SPEAKER = Spreker
speaker-role-FACILITATOR = Begeleider
speaker-role-TABLE_GUEST = Tafelgast

session-kind-PLENARY = Plenair
session-kind-WORKSHOP = Workshop
session-kind-LEARNING_AGENDA = Leeragenda

theme-kind-LEARNING_AGENDA = Thema van de leeragenda
theme-kind-TOPIC = Onderwerp
theme-kind-PLENARY_QUESTION = Vraag aan iedereen

search-kind-SESSION = Sessie
search-kind-PERSON = Persoon
search-kind-THEME = Thema
search-kind-ORGANISATION = Organisatie

# Het leeragenda-rapport (/reports/{slug}/leeragenda).
report-chart-roles = Wie vraagt
report-chart-formats = Gewenste leervormen
