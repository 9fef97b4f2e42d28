from django.apps import AppConfig


class DrfAppConfig(AppConfig):
    name = "bench.baselines.drfapp"
    label = "drfapp"
