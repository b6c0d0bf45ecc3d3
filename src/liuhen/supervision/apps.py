from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "liuhen.supervision"
    label = "supervision"
    verbose_name = "监督"
