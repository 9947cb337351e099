"""AWS components: Aurora global databases and Kafka behind PrivateLink."""
