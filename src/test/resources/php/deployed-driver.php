<?php
// DeployedShapeIT: docs/drupal.md's client (the "client" block, extracted into the directory given as the first
// argument) on the gateway's public host, reached through nginx as the Ingress routes it. The host name resolves
// to nothing on the test machine: curl connects to nginx's port instead (CURLOPT_CONNECT_TO), keeping the host
// name in the URL, Host and TLS, and trusts the test's certificate.
declare(strict_types=1);
error_reporting(E_ALL);
set_error_handler(function (int $severity, string $message, string $file, int $line): bool {
  throw new ErrorException($message, 0, $severity, $file, $line);
});

require_once 'GuzzleHttp/autoload.php';
require $argv[1] . '/client.php';

use Drupal\keap_gateway\KeapGatewayClient;
use GuzzleHttp\Client;

$options = KeapGatewayClient::options(getenv('GATEWAY_URL'), getenv('GATEWAY_KEY'));
$options['curl'] = [CURLOPT_CONNECT_TO => [getenv('INGRESS_CONNECT_TO')]];
$options['verify'] = getenv('INGRESS_CA');
$keap = new Client($options);
$contacts = json_decode((string) $keap->get('contacts', ['query' => ['limit' => 5]])->getBody(), TRUE);
$me = json_decode((string) $keap->get('/gateway/key')->getBody(), TRUE);
echo json_encode(['contacts' => $contacts, 'me' => $me], JSON_PRETTY_PRINT), "\n";
