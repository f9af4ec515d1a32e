"""Serializers that describe the progress and report bodies for the OpenAPI schema."""

from rest_framework import serializers


class RentanSerializer(serializers.Serializer):
    target = serializers.IntegerField()
    active = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class PerisaiSerializer(serializers.Serializer):
    agents = serializers.IntegerField()
    met = serializers.BooleanField()


class CategoryFiguresSerializer(serializers.Serializer):
    positions = serializers.IntegerField()
    registered = serializers.IntegerField()
    active = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True, help_text="active / positions × 100")


class ArrearsFiguresSerializer(serializers.Serializer):
    outstanding = serializers.IntegerField()
    months = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    village = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True)
    rentan = RentanSerializer()
    perisai = PerisaiSerializer()
    categories = serializers.DictField(
        child=CategoryFiguresSerializer(), help_text="per seat category"
    )
    arrears = ArrearsFiguresSerializer()
