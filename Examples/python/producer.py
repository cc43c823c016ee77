"""Enqueue a Warren task from Python. Usage: python producer.py QUEUE TASK_NAME 'JSON_PAYLOAD'"""
import json, os, sys, time, uuid
import pika

queue, task_name, payload = sys.argv[1], sys.argv[2], sys.argv[3]
json.loads(payload)  # the body is the payload itself: refuse anything that is not JSON
connection = pika.BlockingConnection(pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")))
channel = connection.channel()
channel.confirm_delivery()  # basic_publish now raises if the broker nacks or returns the message
message_id = str(uuid.uuid4())
channel.basic_publish(exchange="", routing_key=queue, body=payload.encode("utf-8"), mandatory=True,
    properties=pika.BasicProperties(content_type="application/json", content_encoding="utf-8", delivery_mode=2,
                                    message_id=message_id, timestamp=int(time.time()), type=task_name, app_id="python-producer"))
print(message_id)
connection.close()
