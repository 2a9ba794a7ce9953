"""Python half of the interop test: confluent-kafka's own schema-registry Avro
serde (and fastavro for single-object encoding) reading what the TypeScript
serde writes and writing what it reads. Driven by
test/interop/python-confluent-kafka.test.ts; prints one JSON document per line.

Values travel as JSON with bytes as {"$bytes": "<base64>"}.
"""
import argparse
import base64
import datetime
import io
import json
import struct
import sys
import time

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.schema import fingerprint, to_parsing_canonical_form


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def to_json(value):
    # fastavro decodes timestamp-millis as datetime; the TypeScript side keeps epoch ms.
    if isinstance(value, datetime.datetime):
        return (value - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


def from_json(value):
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {key: from_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_json(item) for item in value]
    return value


def emit(document):
    print(json.dumps(document, sort_keys=True), flush=True)


def read_kafka(args):
    from confluent_kafka import Consumer, KafkaError
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    deserializer = AvroDeserializer(SchemaRegistryClient({"url": args.registry}))
    consumer = Consumer(
        {
            "bootstrap.servers": args.brokers,
            "group.id": args.group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([args.topic])
    deadline = time.monotonic() + args.timeout
    seen = 0
    try:
        while seen < args.count and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise RuntimeError(str(message.error()))
            raw = message.value()
            value = deserializer(raw, SerializationContext(args.topic, MessageField.VALUE))
            emit({"schemaId": struct.unpack(">I", raw[1:5])[0], "magic": raw[0], "value": to_json(value)})
            seen += 1
    finally:
        consumer.close()
    if seen < args.count:
        raise SystemExit(f"read only {seen} of {args.count} records from {args.topic} in {args.timeout} s")


def write_kafka(args):
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry import SchemaRegistryClient, topic_subject_name_strategy
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    with open(args.schema_file, encoding="utf-8") as handle:
        schema_str = handle.read()
    serializer = AvroSerializer(
        SchemaRegistryClient({"url": args.registry}),
        schema_str,
        conf={"auto.register.schemas": True, "subject.name.strategy": topic_subject_name_strategy},
    )
    producer = Producer({"bootstrap.servers": args.brokers, "enable.idempotence": True, "acks": "all"})
    failures = []
    with open(args.records_file, encoding="utf-8") as handle:
        records = [from_json(json.loads(line)) for line in handle if line.strip()]
    for record in records:
        value = serializer(record, SerializationContext(args.topic, MessageField.VALUE))
        producer.produce(
            args.topic,
            key=record.get("sessionId") or None,
            value=value,
            on_delivery=lambda error, _msg: failures.append(str(error)) if error else None,
        )
        emit({"schemaId": struct.unpack(">I", value[1:5])[0]})
    remaining = producer.flush(args.timeout)
    if remaining or failures:
        raise SystemExit(f"{remaining} records undelivered, failures: {failures}")


def single_object_schema(args):
    with open(args.schema_file, encoding="utf-8") as handle:
        schema = parse_schema(json.load(handle))
    canonical = to_parsing_canonical_form(schema)
    # fastavro returns the CRC-64-AVRO fingerprint as the hex of its little-endian bytes.
    return schema, canonical, bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))


def read_single_object(args):
    schema, canonical, expected = single_object_schema(args)
    for line in sys.stdin:
        raw = bytes.fromhex(line.strip())
        if raw[:2] != b"\xc3\x01":
            raise SystemExit(f"no single-object marker: {raw[:2].hex()}")
        if raw[2:10] != expected:
            raise SystemExit(f"fingerprint {raw[2:10].hex()} is not {expected.hex()} (canonical form {canonical})")
        emit({"value": to_json(schemaless_reader(io.BytesIO(raw[10:]), schema))})


def write_single_object(args):
    schema, _canonical, fp = single_object_schema(args)
    with open(args.records_file, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            body = io.BytesIO()
            schemaless_writer(body, schema, from_json(json.loads(line)))
            emit({"hex": (b"\xc3\x01" + fp + body.getvalue()).hex()})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["read-kafka", "write-kafka", "read-single-object", "write-single-object"])
    parser.add_argument("--brokers")
    parser.add_argument("--registry")
    parser.add_argument("--topic")
    parser.add_argument("--group")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--schema-file")
    parser.add_argument("--records-file")
    args = parser.parse_args()
    {
        "read-kafka": read_kafka,
        "write-kafka": write_kafka,
        "read-single-object": read_single_object,
        "write-single-object": write_single_object,
    }[args.command](args)


if __name__ == "__main__":
    main()
