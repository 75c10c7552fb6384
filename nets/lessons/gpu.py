import torch
from torch import nn

from nets.lessons.sequential import Module

BATCH = ("train", 192)


def main(imgs, targets):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(device)
    torch.manual_seed(0)
    model = Module().to(device)
    loss_fn = nn.CrossEntropyLoss()
    print(list(loss_fn.state_dict()))  # []
    weighted = nn.CrossEntropyLoss(weight=torch.ones(10)).to(device)
    print(list(weighted.state_dict()))  # ['weight']
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    train_imgs, train_targets = imgs[:128], targets[:128]
    test_imgs, test_targets = imgs[128:].to(device), targets[128:].to(device)
    for epoch in range(2):
        model.train()
        for step, (x, y) in enumerate(zip(train_imgs.split(32), train_targets.split(32))):
            x, y = x.to(device), y.to(device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            correct = (model(test_imgs).argmax(1) == test_targets).sum().item()
        print(f"epoch {epoch + 1}: {step + 1} steps, loss {loss.item():.3f}, "
              f"test {correct}/{len(test_targets)}")
    print(next(model.parameters()).device.type == device.type)  # True


if __name__ == "__main__":
    import torchvision
    from torch.utils.data import DataLoader

    dataset = torchvision.datasets.CIFAR10("./CIFAR10", train=True, download=True,
                                           transform=torchvision.transforms.ToTensor())
    imgs, targets = next(iter(DataLoader(dataset, batch_size=192, shuffle=True)))
    main(imgs, targets)
