# The moderation page.
nav-moderation = Moderation
moderation-title = Moderation
