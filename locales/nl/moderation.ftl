# De moderatiepagina.
nav-moderation = Moderatie
moderation-title = Moderatie
